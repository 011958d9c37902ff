"""mutualaid: neighborhood mutual aid on the web and by SMS.

``create_app`` only wires: settings, extensions, blueprints, error handlers, CLI. It does
no network or database work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from mutualaid.settings import INSTANCE_DIR, PROJECT_ROOT, Settings

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app. ``config`` may be a Settings object, or a mapping of environment-style
    variables (``{"DATABASE_URL": ...}``) laid over the real environment."""
    settings = _load_settings(config)
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_mapping(settings.as_flask_config())
    from mutualaid.web.security import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

    from mutualaid import passwords, queue

    app.extensions["passwords"] = passwords.Passwords(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    queue.configure_queue(settings.queue_url)

    _register_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _register_templates(app)
    return app


def _load_settings(config: Mapping[str, Any] | Settings | None) -> Settings:
    import os

    if isinstance(config, Settings):
        settings = config
    else:
        env = dict(os.environ)
        env.update({k: str(v) for k, v in (config or {}).items()})
        settings = Settings.from_env(env)
    settings.validate()
    return settings


def _register_extensions(app: Flask) -> None:
    from mutualaid import models  # noqa: F401  (registers every table on the metadata)
    from mutualaid.extensions import configure_engine, csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)  # registers listeners; does not connect
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "mutualaid" / "migrations"))
    csrf.init_app(app)
    from mutualaid.i18n import init_i18n

    init_i18n(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from mutualaid.models import Person

        try:
            return db.session.get(Person, int(user_id))
        except ValueError:
            return None


def _register_blueprints(app: Flask) -> None:
    from mutualaid.web.account import bp as account_bp
    from mutualaid.web.admin import bp as admin_bp
    from mutualaid.web.auth import bp as auth_bp
    from mutualaid.web.coordinate import bp as coordinate_bp
    from mutualaid.web.main import bp as main_bp
    from mutualaid.web.needs import bp as needs_bp
    from mutualaid.web.offers import bp as offers_bp
    from mutualaid.web.pods import bp as pods_bp
    from mutualaid.web.simulator import bp as simulator_bp
    from mutualaid.web.sms_hooks import bp as sms_hooks_bp

    for blueprint in (
        main_bp,
        auth_bp,
        account_bp,
        admin_bp,
        needs_bp,
        offers_bp,
        pods_bp,
        coordinate_bp,
        sms_hooks_bp,
        simulator_bp,
    ):
        app.register_blueprint(blueprint)
    from mutualaid.web.api import init_api

    init_api(app)
    from mutualaid.sms.conversation import install

    install()  # SMS conversations answer every inbound text the transport hands over


def _register_errors(app: Flask) -> None:
    from mutualaid.web.errors import register_error_handlers

    register_error_handlers(app)
    from mutualaid.web.security import init_security

    init_security(app)


def _register_cli(app: Flask) -> None:
    from mutualaid.cli import register_cli

    register_cli(app)


def _register_templates(app: Flask) -> None:
    from mutualaid.phones import mask_phone

    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.globals["app_env"] = app.config["MUTUALAID"].env
