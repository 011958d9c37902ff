"""Unbound Flask extensions; create_app() binds them to an app."""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, event

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


# Models subclass our own typed Base (mutualaid.models.base); Flask-SQLAlchemy shares its
# metadata so Flask-Migrate sees every table.
db = SQLAlchemy(metadata=Base.metadata, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def configure_engine(engine: Engine) -> None:
    """Per-dialect connection set-up, done once per engine.

    SQLite: let SQLAlchemy own transactions (pysqlite's own BEGIN handling breaks
    SAVEPOINTs), enforce foreign keys, use WAL so the web and the worker can read while the
    other writes, and wait for locks instead of failing at once.
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
        # execution_options(sqlite_begin="IMMEDIATE") takes the write lock up front (the SMS
        # worker's claims); everything else begins deferred.
        immediate = conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
