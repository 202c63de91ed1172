"""The database: declarative base, UTC-aware column type and the per-request session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    MetaData,
    cast,
    create_engine,
    event,
    func,
    make_url,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: refuses naive datetimes, stores UTC, always returns an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an instant column; pass an aware one")
        value = value.astimezone(UTC)
        # SQLite keeps no zone: store the naive UTC wall time there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every model; instants are UTC-aware."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


LONDON_ZONE = "Europe/London"


def _london_day_of(stored: str | None) -> str | None:
    """SQLite's london_day(): the Europe/London date of a stored UTC instant, as ISO text."""
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(LONDON_ZONE)).date().isoformat()


def london_day(column: Any) -> ColumnElement[Any]:
    """The Europe/London date of an instant column, in SQL: PostgreSQL converts with its own
    zone data; SQLite, which has none, calls the Python function every connection registers."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone(LONDON_ZONE, column), Date)
    return func.london_day(column, type_=Date)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("london_day", 1, _london_day_of, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Write-ahead log: pages read while the scheduler writes, and a commit is one sync of
    # the log (synchronous stays FULL: a commit is on disk when it returns) rather than the
    # rollback journal's several. Kept in the file, so setting it again costs nothing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str, *, hide_parameters: bool = True) -> Engine:
    """Create the engine for a URL, with SQLite made safe for several threads.

    Parameters are hidden from SQLAlchemy's error messages (a failed INSERT would otherwise
    put her name or date of birth in a log) everywhere but development."""
    kwargs: dict[str, Any] = {"future": True, "hide_parameters": hide_parameters}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    else:
        kwargs["pool_pre_ping"] = True
        # No Kerberos here: libpq would otherwise try a GSSAPI-encrypted connection first on
        # every connect, and the Kerberos library bundled with psycopg's binary wheel has
        # crashed processes whose threads reconnect at once (psycopg issue 1213), as the
        # schedulers' job threads do after a database restart.
        connect: dict[str, Any] = {} if "gssencmode" in url else {"gssencmode": "disable"}
        # The session's zone is plain UTC (a server default such as Etc/UTC is the same
        # instant but a ZoneInfo, whose conversion costs ten times more on every instant
        # read: 7 ms on a 200-case list). Any options the URL gives are kept.
        given = make_url(url).query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        connect["options"] = f"{given} -c timezone=UTC" if given else "-c timezone=UTC"
        kwargs["connect_args"] = connect
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """Flask extension holding the engine; one session per application context."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            hide_parameters=app.config["DIVERSION_ENV"] != "development",
        )
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions["diversion.db"] = (engine, factory)
        app.teardown_appcontext(self._close)

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()

    def answers(self) -> bool:
        """Whether the database answers a trivial query now (for /healthz)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    @property
    def engine(self) -> Engine:
        return current_app.extensions["diversion.db"][0]

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = current_app.extensions["diversion.db"][1]()
            g._db_session = session
        return session


db = Database()

P = ParamSpec("P")
R = TypeVar("R")


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function as one transaction: commit on success, roll back on any error."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session
        try:
            result = fn(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    return wrapper


@contextmanager
def transaction() -> Iterator[Session]:
    """The same as @transactional, for a block."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
