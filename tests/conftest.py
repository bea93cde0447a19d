"""Shared fixtures: a fresh, seeded server database per test, on SQLite and on PostgreSQL.

Seeding hashes six passwords with argon2 and loads the FAQ (about a second), so each backend
seeds one *template* per test session and every test starts from a copy of it:
- SQLite: the template file is copied into the test's tmp_path.
- PostgreSQL: one throw-away database per test session (named after the pid, dropped at the
  end; ones left by killed runs are dropped by the next run). Its seeded tables are also
  copied into the schema `nahtlos_seed`, and before each test the `public` tables are refilled
  from there in one transaction - skipped when nothing in the cluster wrote since the last
  refill. That is several times faster than `CREATE DATABASE ... TEMPLATE`, which writes the
  whole ~8 MB catalog to the WAL (0.3-0.6 s per test on the 2-core CI machine).
The template also holds one signed-in session per demo account, issued by the server's own
TokenService, so tests that are not about signing in skip the argon2 verification.

PostgreSQL comes from NAHTLOS_TEST_POSTGRES_URL (default: the local `test` database). When it
is unreachable the PostgreSQL half is skipped on a developer machine and fails when CI is set.

Server imports are local to the fixtures, so client-only test runs don't need the server group.
"""

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.rerun_report import rerun_reason

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from server.config import ServerSettings
    from server.db import Database

POSTGRES_URL = os.environ.get("NAHTLOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "nahtlos-test-secret-0123456789abcdef0123456789abcdef"
# Long enough that the template's access tokens outlive any test run.
TEST_ACCESS_TTL_S = 6 * 3600
DATABASE_PREFIX = "nahtlos_t_"
SEED_SCHEMA = "nahtlos_seed"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def server_settings(url: str, **overrides: Any) -> "ServerSettings":
    """Settings of a test server: explicit where it matters, whatever the environment says."""
    from server.config import ServerSettings

    values: dict[str, Any] = {"database_url": url, "secret_key": TEST_SECRET, "access_token_ttl_s": TEST_ACCESS_TTL_S,
                              "auto_migrate": True}
    values.update(overrides)
    return ServerSettings(**values)


def postgres_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@dataclass(frozen=True)
class SeededTemplate:
    """A migrated, seeded database that tests copy; `sessions` maps a demo email to its login answer."""

    backend: str
    location: str  # the file (SQLite) or the database name (PostgreSQL)
    sessions: dict[str, dict[str, Any]]
    seeding: "Seeding"
    postgres: "PostgresCopies | None" = field(default=None, compare=False)


@dataclass(frozen=True)
class Seeding:
    """What building a template saw: a blank database, migrated by create_app, then seed_demo."""

    created: bool  # seed_demo's answer
    seq: int  # sync_counter.seq right after the seed


def _seed_and_sign_in(url: str) -> tuple[dict[str, dict[str, Any]], Seeding]:
    from sqlalchemy import select

    from server.db import Database
    from server.main import create_app
    from server.models import User
    from server.seed import seed_demo
    from server.sync.log import current_head

    db = Database(url)
    try:
        app = create_app(server_settings(url), db=db)  # migrates
        created = seed_demo(db)
        with db.read() as session:
            seeding = Seeding(created=created, seq=current_head(session)[0])
        # The server's own TokenService issues what /auth/login would (an auth_session row and a
        # token pair), without an argon2 verification per account; test_auth signs in for real.
        with db.write() as session:
            sessions = {user.email: app.state.tokens.issue(session, user).model_dump(mode="json")
                        for user in session.scalars(select(User).order_by(User.id))}
        if db.is_sqlite:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return sessions, seeding


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how much the sync simulations ran (the integrator quotes it), even without `-s`.
    Here rather than in tests/sim: the variants in tests/robustness run without that folder."""
    machine = sys.modules.get("tests.sim.machine")  # only if a simulation was collected
    for line in getattr(machine, "REPORT", []):
        terminalreporter.write_line(line)
    # A test that passed on its rerun leaves only an "R" in the log; say why its first try failed.
    for report in terminalreporter.stats.get("rerun", []):
        terminalreporter.write_line(f"rerun {report.nodeid}: {rerun_reason(str(getattr(report, 'longreprtext', '')))}")


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator["Engine"]:
    """An AUTOCOMMIT engine on the PostgreSQL maintenance database, for CREATE/DROP DATABASE."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.orig}"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield engine
    engine.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_database(admin: "Engine", name: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_abandoned_databases(admin: "Engine") -> None:
    """Drop test databases left by runs that were killed (the pid in their name is gone)."""
    from sqlalchemy import text

    with admin.connect() as conn:
        names = [row[0] for row in conn.execute(
            text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"), {"prefix": DATABASE_PREFIX})]
    for name in names:
        pid = name[len(DATABASE_PREFIX):].split("_")[0]
        if pid.isdigit() and not _alive(int(pid)):
            _drop_database(admin, name)


class PostgresCopies:
    """The session's database: `public` is what a test uses, `nahtlos_seed` what it is refilled from."""

    def __init__(self, admin: "Engine") -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import StaticPool

        self.admin = admin
        self.name = f"{DATABASE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            # Durability is not under test: commits need not wait for the WAL flush (the server's
            # SQLite runs with synchronous=NORMAL for the same reason).
            conn.exec_driver_sql(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off')
        self.url = postgres_url(self.name)
        self.engine = create_engine(self.url, poolclass=StaticPool)
        self.sequences: dict[str, list[tuple[str, int | None]]] = {}  # per saved schema
        self._clean_mark: tuple[Any, ...] | None = None

    def keep_seed(self) -> None:
        """Copy the freshly seeded `public` tables into the seed schema."""
        self.save(SEED_SCHEMA)
        self._clean_mark = self._mark()

    def save(self, schema: str) -> None:
        """Copy the `public` tables and where their sequences stand into `schema` (replacing it):
        a backup that `load` puts back (the seed; the sync simulation's snapshots)."""
        from server.models import Base

        # REPEATABLE READ: the tables and sequences as of one instant, even with servers connected.
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            for table in Base.metadata.sorted_tables:
                conn.exec_driver_sql(f'CREATE TABLE {schema}."{table.name}" AS TABLE public."{table.name}"')
            self.sequences[schema] = [(str(name), value) for name, value in conn.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'").all()]

    def _mark(self) -> tuple[Any, ...]:
        """Moves whenever anything may have written: every write takes a new transaction id
        (cluster-wide, so other users of the cluster only cause needless refills), and
        sequences, which move without one."""
        with self.engine.connect() as conn:
            xmax = conn.exec_driver_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())").scalar_one()
            sequences = conn.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1").all()
            conn.rollback()
        return (xmax, *sequences)

    def refill(self) -> None:
        """Make `public` equal to the seed again, in one transaction (unless nothing wrote since)."""
        if self._mark() == self._clean_mark:
            return
        self.load(SEED_SCHEMA)
        self._clean_mark = self._mark()

    def load(self, schema: str) -> None:
        """Make `public` equal to what `save(schema)` copied, in one transaction."""
        from sqlalchemy import text

        from server.models import Base

        tables = [t.name for t in Base.metadata.sorted_tables]
        with self.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FK triggers while refilling
            for table in reversed(tables):
                conn.exec_driver_sql(f'DELETE FROM public."{table}"')
            for table in tables:
                conn.exec_driver_sql(f'INSERT INTO public."{table}" SELECT * FROM {schema}."{table}"')
            for sequence, last_value in self.sequences[schema]:  # serial ids continue where the copy left them
                conn.execute(text("SELECT setval(:name, :value, :called)"),
                             {"name": f"public.{sequence}", "value": last_value or 1, "called": last_value is not None})

    def drop(self) -> None:
        self.engine.dispose()
        _drop_database(self.admin, self.name)


# --- templates ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SeededTemplate:
    path = tmp_path_factory.mktemp("template") / "server.sqlite"
    sessions, seeding = _seed_and_sign_in(f"sqlite:///{path}")
    return SeededTemplate("sqlite", str(path), sessions, seeding)


@contextmanager
def seeded_postgres(admin: "Engine") -> Iterator[SeededTemplate]:
    """A new PostgreSQL database of its own, migrated, seeded and signed in; dropped on exit."""
    copies = PostgresCopies(admin)
    try:
        sessions, seeding = _seed_and_sign_in(copies.url)
        copies.keep_seed()
        yield SeededTemplate("postgres", copies.name, sessions, seeding, copies)
    finally:
        copies.drop()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: "Engine") -> Iterator[SeededTemplate]:
    _drop_abandoned_databases(postgres_admin)
    with seeded_postgres(postgres_admin) as template:
        yield template


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def template(backend: str, request: pytest.FixtureRequest) -> SeededTemplate:
    value: SeededTemplate = request.getfixturevalue(f"{backend}_template")
    return value


@pytest.fixture
def db(template: SeededTemplate, tmp_path: Path) -> Iterator["Database"]:
    """A fresh copy of the seeded template on the test's backend."""
    from server.db import Database

    if template.postgres is not None:
        template.postgres.refill()
        url = template.postgres.url
    else:
        path = tmp_path / "server.sqlite"
        shutil.copy(template.location, path)
        for suffix in ("-wal", "-shm"):
            if Path(template.location + suffix).exists():
                shutil.copy(template.location + suffix, str(path) + suffix)
        url = f"sqlite:///{path}"
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def make_settings() -> Any:
    """`make_settings(url, **overrides)`: settings of a test server (the shared test secret, long token TTL)."""
    return server_settings


@pytest.fixture
def settings(db: "Database") -> "ServerSettings":
    return server_settings(db.url)


@pytest.fixture
def demo_logins(template: SeededTemplate) -> dict[str, dict[str, Any]]:
    """The template's login answers (tokens and user) by demo email; valid in every copy of it."""
    return template.sessions


@pytest.fixture
def blank_db_url(template: SeededTemplate, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (not even migrated) on the test's backend.

    On PostgreSQL it is an empty schema of the session's database, chosen by search_path.
    """
    if template.postgres is None:
        yield f"sqlite:///{tmp_path / 'blank.sqlite'}"
        return
    schema = f"blank_{uuid.uuid4().hex[:12]}"
    engine = template.postgres.engine
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield f"{template.postgres.url}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
