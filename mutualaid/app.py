"""The app factory: ``create_app`` only wires settings, extensions, blueprints, error
handlers, the CLI, the queue's tasks and the SMS after-commit hook. It does no network or
database work. The only module that imports ``mutualaid.web`` (import-linter holds it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mutualaid import (
    jobs,  # noqa: F401  (registers the queue's tasks by name)
    passwords,
    queue,
)
from mutualaid.cli import register_cli
from mutualaid.email import dispatcher as email_dispatcher  # noqa: F401  (its after-commit hook)
from mutualaid.extensions import configure_engine, csrf, db, login_manager, migrate
from mutualaid.i18n import init_i18n
from mutualaid.matching.config import load_config as load_matching_config
from mutualaid.models import Person  # every model: registers each table on the metadata
from mutualaid.phones import mask_phone
from mutualaid.pods import newcomers  # noqa: F401  (waiting needs consider new offers)
from mutualaid.settings import INSTANCE_DIR, PROJECT_ROOT, Settings
from mutualaid.sms import dispatcher  # noqa: F401  (the outbox's after-commit hook)
from mutualaid.web.account import bp as account_bp
from mutualaid.web.admin import bp as admin_bp
from mutualaid.web.api import init_api
from mutualaid.web.auth import bp as auth_bp
from mutualaid.web.coordinate import bp as coordinate_bp
from mutualaid.web.email_links import bp as email_links_bp
from mutualaid.web.errors import register_error_handlers
from mutualaid.web.main import bp as main_bp
from mutualaid.web.needs import bp as needs_bp
from mutualaid.web.offers import bp as offers_bp
from mutualaid.web.pods import bp as pods_bp
from mutualaid.web.security import BoundedIntConverter, init_security
from mutualaid.web.simulator import bp as simulator_bp
from mutualaid.web.sms_hooks import bp as sms_hooks_bp

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
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    if settings.proxy_hops:
        hops = settings.proxy_hops
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented middleware hook
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

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
    if isinstance(config, Settings):
        settings = config
    else:
        env = dict(os.environ)
        env.update({k: str(v) for k, v in (config or {}).items()})
        settings = Settings.from_env(env)
    settings.validate()
    return settings


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)  # registers listeners; does not connect
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "mutualaid" / "migrations"))
    csrf.init_app(app)
    init_i18n(app, default_timezone=load_matching_config().default_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> Person | None:
        try:
            return db.session.get(Person, int(user_id))
        except ValueError:
            return None


def _register_blueprints(app: Flask) -> None:
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
        email_links_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def _register_errors(app: Flask) -> None:
    register_error_handlers(app)
    init_security(app)


def _register_cli(app: Flask) -> None:
    register_cli(app)


def _register_templates(app: Flask) -> None:
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.globals["app_env"] = app.config["MUTUALAID"].env
