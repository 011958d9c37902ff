"""Unbound Flask extensions; create_app() binds them to an app."""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession

from mutualaid.models.base import Base


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` wins.

    Tests configure the session with ``bind=<connection in an outer transaction>`` and
    ``join_transaction_mode="create_savepoint"`` so every test is rolled back (SQLAlchemy 2's
    documented recipe). Flask-SQLAlchemy's own ``get_bind`` would ignore that bind.
    """

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)


class _SQLAlchemy(SQLAlchemy):
    # ``db.session`` is a scoped_session: it proxies the Session methods the code calls, so
    # the views and jobs can pass it to domain functions typed for a plain Session.
    session: OrmSession  # type: ignore[assignment]  # narrower view of the same object


# Models subclass our own typed Base (mutualaid.models.base); Flask-SQLAlchemy shares its
# metadata so Flask-Migrate sees every table.
db = _SQLAlchemy(metadata=Base.metadata, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def configure_engine(engine: Engine) -> None:
    """Per-dialect connection set-up, done once per engine.

    SQLite: let SQLAlchemy own transactions (pysqlite's own BEGIN handling breaks
    SAVEPOINTs), enforce foreign keys, use WAL, and start every transaction with
    ``BEGIN IMMEDIATE`` so concurrent writers (web threads, the worker) queue on the busy
    timeout instead of failing with "database is locked" when a read upgrades to a write.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def worker_session(bind: Any = None) -> OrmSession:
    """A session of the worker's own (the SMS sender and the inbound sweep). On SQLite its
    transactions BEGIN IMMEDIATE: a claim reads then writes, and a deferred transaction that
    must upgrade to a writer fails at once ("database is locked") when another thread wrote in
    between. ``bind`` defaults to the app's engine (tests pass their connection)."""
    if bind is None:
        bind = db.engine
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        bind = bind.execution_options(sqlite_begin="IMMEDIATE")
    return OrmSession(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
