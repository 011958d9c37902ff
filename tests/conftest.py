"""Shared fixtures.

The suite runs twice (see Makefile): once on SQLite, once on PostgreSQL
(``MUTUALAID_TEST_DB=postgres``). Each run migrates a fresh database to head once, then
every test runs inside an outer transaction that is rolled back (SQLAlchemy 2's
"join a session into an external transaction" recipe), so tests never see each other's rows.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from tests import netguard

netguard.install()

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKEND = os.environ.get("MUTUALAID_TEST_DB", "sqlite").lower()
PG_BASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_report_header(config: pytest.Config) -> str:
    return f"mutualaid database backend: {BACKEND}" + (" (CI: mandatory services)" if IN_CI else "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres_only`` (real parallel connections) belong to the PostgreSQL
    pass: the SQLite pass leaves them out, deselected and counted, not skipped."""
    if BACKEND == "postgres":
        return
    dropped = [item for item in items if item.get_closest_marker("postgres_only")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]
        config.stash[_PG_ONLY] = len(dropped)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    count = config.stash.get(_PG_ONLY, 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests were left to the PostgreSQL pass "
            "(MUTUALAID_TEST_DB=postgres; `make test` runs it next)."
        )


_PG_ONLY = pytest.StashKey[int]()


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(
        PG_BASE_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if BACKEND != "postgres":
        return
    try:
        with _pg_admin_engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        reason = f"PostgreSQL is not reachable at {PG_BASE_URL}: {str(exc.orig).strip()[:200]}"
        if IN_CI:
            raise pytest.UsageError(f"CI=true requires PostgreSQL. {reason}") from None
        pytest.exit(f"SKIPPED the PostgreSQL pass. {reason}", returncode=0)


@contextlib.contextmanager
def throwaway_database(tmp_path_factory: pytest.TempPathFactory, label: str) -> Iterator[str]:
    """A new, empty database for this run (dropped afterwards on PostgreSQL)."""
    if BACKEND == "postgres":
        name = f"mutualaid_{label}_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(PG_BASE_URL).set(database=name)
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp(label) / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory, "test") as url:
        yield url


def make_test_app(url: str) -> Flask:
    """An app on ``url``, migrated to head (migrations are part of what is tested)."""
    from flask_migrate import upgrade

    from mutualaid import create_app

    application = create_app({**TEST_ENV, "DATABASE_URL": url})
    application.test_client_class = FormClient
    with application.app_context():
        upgrade()
    return application


TEST_ENV = {
    "MUTUALAID_ENV": "testing",
    "QUEUE_URL": "memory://",
    "SMS_BACKEND": "console",
    "GEOCODER": "latlng,postal",
    # Cheap hashes keep the suite fast; test_passwords checks the real defaults.
    "PASSWORD_TIME_COST": "1",
    "PASSWORD_MEMORY_KIB": "64",
    # SMS transport: webhook signatures use the emulator's token; no pacing in tests.
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 31 + "1",
    "TWILIO_AUTH_TOKEN": "emulator-auth-token-0123456789ab",
    "SMS_RATE_PER_SECOND": "0",
    # Tests are offline: map tiles point at a closed loopback port (the map's fallback).
    "MAP_TILE_URL": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
}


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = make_test_app(database_url)
    yield application
    from mutualaid.extensions import db

    with application.app_context():
        db.engine.dispose()
    from mutualaid.web.sms_hooks.routes import dispose_inbound_engine

    dispose_inbound_engine(application)


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Roll back everything a test wrote. Tests that need real commits across threads or
    processes (browser, concurrency) are marked and manage their own data."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("committed"):
        yield
        return
    if "app" not in request.fixturenames:
        yield
        return
    from mutualaid.extensions import db

    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
            outer.rollback()
            connection.close()


class FormClient(FlaskClient):
    """A test client that can post forms with a valid CSRF token, as a browser would."""

    def csrf_token(self) -> str:
        app = self.application
        raw = secrets.token_hex(20)
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", raw)
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        # Each request gets its own app context (fresh ``g``, its own session), as in a
        # real server, even though the test itself holds one open. Both sessions share
        # the test's connection and outer transaction, so they see each other's writes.
        from flask import has_app_context

        from mutualaid.categories import forget_cached
        from mutualaid.extensions import db

        if has_app_context():
            db.session.flush()  # what the test wrote so far is visible to the request
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # and what the request wrote is visible to the test
            forget_cached()  # (the category list is cached per app context)
        return response

    def submit(self, url: str, data: dict | None = None, **kw):
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, **kw)


@pytest.fixture
def client(app: Flask) -> FormClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def login_as(client: FormClient, person) -> FormClient:
    with client.session_transaction() as sess:
        sess["_user_id"] = str(person.id)
        sess["_fresh"] = True
    return client


def _persona(app: Flask, role: str, **kw):
    from mutualaid.extensions import db
    from tests.factories import make_person

    person = make_person(role, **kw)
    db.session.commit()  # like a real, earlier sign-up (releases the test's savepoint)
    return person


@pytest.fixture
def neighbor(app):
    return _persona(app, "neighbor", name="Maria Lopez")


@pytest.fixture
def helper(app):
    return _persona(app, "neighbor", name="Jo Rivera")


@pytest.fixture
def outsider(app):
    return _persona(app, "neighbor", name="Olly Outsider")


@pytest.fixture
def coordinator(app):
    return _persona(app, "coordinator", name="Lee Park")


@pytest.fixture
def admin(app):
    return _persona(app, "admin", name="Ada Admin")


@pytest.fixture
def neighbor_client(app, neighbor) -> FormClient:
    return login_as(app.test_client(), neighbor)


@pytest.fixture
def helper_client(app, helper) -> FormClient:
    return login_as(app.test_client(), helper)


@pytest.fixture
def outsider_client(app, outsider) -> FormClient:
    return login_as(app.test_client(), outsider)


@pytest.fixture
def coordinator_client(app, coordinator) -> FormClient:
    return login_as(app.test_client(), coordinator)


@pytest.fixture
def admin_client(app, admin) -> FormClient:
    return login_as(app.test_client(), admin)


def text_of(response) -> str:
    """The visible text of an HTML response, tags stripped, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- Geocoding (issue 3): a loopback Nominatim and the app's geocoder pointed at it -------


@pytest.fixture
def nominatim():
    from tests.fakes.nominatim import FakeNominatim

    fake = FakeNominatim().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_geocoder(app, nominatim):
    """The app's geocoder with the full chain (latlng, postal, nominatim), Nominatim being
    the loopback fake; real geopy over a real socket. No rate-limit wait in tests."""
    from mutualaid.geo.geocoding import Geocoder

    geocoder = Geocoder(
        chain=("latlng", "postal", "nominatim"),
        country="US",
        nominatim_url=nominatim.url,
        timeout=1.0,
        min_delay_seconds=0.0,
    )
    previous = app.extensions.get("geocoder")
    app.extensions["geocoder"] = geocoder
    yield geocoder
    if previous is None:
        app.extensions.pop("geocoder", None)
    else:
        app.extensions["geocoder"] = previous
