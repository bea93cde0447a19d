"""Where the brakes count (server.ratelimit): in memory (SQLite, one process) and in PostgreSQL's
`rate_limit` table (shared by every process). The same sliding-window tests run on both, with a
clock moved by hand; the PostgreSQL ones each get a fresh schema holding just that table."""

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, create_engine, text

from server.errors import ApiError
from server.models import RateLimitBucket
from server.models.base import table_of
from server.ratelimit import (
    MAX_KEY_CHARS,
    Bucket,
    FailureStore,
    Guard,
    MemoryFailures,
    Rule,
    bucket_key,
)
from server.ratelimit_postgres import PostgresFailures
from tests.conftest import POSTGRES_URL

MakeStore = Callable[..., FailureStore]


class HandClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def rate_engine(postgres_admin: Engine) -> Iterator[Engine]:
    """An engine whose search_path is a new schema holding only `rate_limit` (dropped afterwards)."""
    schema = f"rl_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    table_of(RateLimitBucket).create(engine)
    yield engine
    engine.dispose()
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=[pytest.param("memory", id="memory"),
                        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def make_store(request: pytest.FixtureRequest) -> MakeStore:
    """`make_store(clock=None)`: a store of the parametrized kind (None: its own clock)."""
    if request.param == "memory":
        return lambda clock=None: MemoryFailures(clock) if clock is not None else MemoryFailures()
    engine: Engine = request.getfixturevalue("rate_engine")
    return lambda clock=None: PostgresFailures(engine, clock)


def retry_header(guard: Guard, **keys: str) -> str:
    with pytest.raises(ApiError) as braked:
        guard.attempt(**keys)
    assert braked.value.status == 429
    return braked.value.headers["Retry-After"] if braked.value.headers else ""


def test_the_window_slides_and_retry_after_says_when(make_store: MakeStore, clock: HandClock) -> None:
    guard = Guard("t", {"account": Rule(3, 60.0)}, make_store(clock))
    for step in (0, 10, 20):
        clock.now = 1000.0 + step
        guard.attempt(account="a")  # and fails

    assert retry_header(guard, account="a") == "41"  # the first failure (t=0) leaves at t=60; now t=20
    clock.now = 1059.5
    assert retry_header(guard, account="a") == "1"
    clock.now = 1060.0
    guard.attempt(account="a")  # the oldest failure left the window; this one fails again
    assert retry_header(guard, account="a") == "11"  # next to leave: t=10, at t=70
    guard.attempt(account="b")


def test_the_longest_wait_of_all_keys_is_reported(make_store: MakeStore, clock: HandClock) -> None:
    guard = Guard("t", {"account": Rule(1, 100.0), "address": Rule(1, 500.0)}, make_store(clock))
    guard.attempt(account="a", address="x")

    assert retry_header(guard, account="b", address="x") == "501"
    assert retry_header(guard, account="a", address="y") == "101"


def test_a_refused_attempt_charges_none_of_its_keys(make_store: MakeStore, clock: HandClock) -> None:
    guard = Guard("t", {"account": Rule(1, 100.0), "address": Rule(2, 100.0)}, make_store(clock))
    guard.attempt(account="a", address="x")
    for _ in range(5):
        retry_header(guard, account="a", address="x")  # braked by the account: the address is not charged

    guard.attempt(account="b", address="x")  # the address's second failure
    assert retry_header(guard, account="c", address="x") == "101"


def test_a_success_gives_its_charge_back(make_store: MakeStore, clock: HandClock) -> None:
    guard = Guard("t", {"account": Rule(2, 100.0)}, make_store(clock))
    for _ in range(5):
        attempt = guard.attempt(account="a")
        attempt.succeeded()
        attempt.succeeded()  # a second call gives nothing more back
    guard.attempt(account="a")

    guard.attempt(account="a").succeeded()  # one slot left: a right guess still gets in
    guard.attempt(account="a")
    retry_header(guard, account="a")


def test_guards_and_kinds_count_apart(make_store: MakeStore, clock: HandClock) -> None:
    store = make_store(clock)
    login, lookup = Guard("login", {"address": Rule(1, 60.0)}, store), Guard("lookup", {"address": Rule(1, 60.0)}, store)
    login.attempt(address="x")

    lookup.attempt(address="x")
    retry_header(login, address="x")


@pytest.mark.parametrize("threads", [8])
def test_parallel_attempts_never_exceed_the_limits(make_store: MakeStore, threads: int,
                                                   request: pytest.FixtureRequest) -> None:
    """Many threads (on PostgreSQL: a store each, as separate processes would have) guess at once,
    over accounts that share one address: no bucket ever holds more charges than its limit, and
    every granted attempt charged both of its buckets (all or nothing, races included)."""
    rules = {"account": Rule(3, 600.0), "address": Rule(7, 600.0)}
    shared = make_store()  # memory: one store for all threads, as in one process
    stores = [make_store() if isinstance(shared, PostgresFailures) else shared for _ in range(threads)]
    start = threading.Barrier(threads)

    def guess(worker: int) -> list[str]:
        guard = Guard("t", rules, stores[worker])
        start.wait()
        granted = []
        for i in range(12):
            account = f"acct{(worker + i) % 3}"
            try:
                guard.attempt(account=account, address="x")
            except ApiError:
                continue
            granted.append(account)
        return granted

    with ThreadPoolExecutor(threads) as pool:
        granted = [a for got in pool.map(guess, range(threads)) for a in got]

    assert len(granted) == 7  # the address's limit, reached exactly
    assert all(granted.count(a) <= 3 for a in set(granted))
    if isinstance(shared, PostgresFailures):
        with request.getfixturevalue("rate_engine").connect() as conn:
            counts = {b: n for b, n in conn.execute(text("SELECT bucket, cardinality(hits) FROM rate_limit"))}
        assert counts.pop("t:address:x") == 7
        assert counts == {f"t:account:{a}": granted.count(a) for a in set(granted)}


def test_long_keys_are_hashed_to_fit() -> None:
    long = "ß" * 254
    key = bucket_key("login", "account", long.casefold())  # casefolding doubles it

    assert key.startswith("login:account:sha256:") and len(key) < 100
    assert bucket_key("login", "account", "a" * MAX_KEY_CHARS) == "login:account:" + "a" * MAX_KEY_CHARS


# --- PostgreSQL only: shared, durable, bounded -------------------------------------------------------


@pytest.mark.postgres
def test_stores_on_one_database_share_the_counts_and_a_new_one_remembers(rate_engine: Engine) -> None:
    rules = {"account": Rule(4, 600.0)}
    first, second = Guard("login", rules, PostgresFailures(rate_engine)), Guard("login", rules, PostgresFailures(rate_engine))
    for guard in (first, second, first, second):
        guard.attempt(account="anna")

    for guard in (first, second, Guard("login", rules, PostgresFailures(rate_engine))):  # the last: a restart
        wait = int(retry_header(guard, account="anna"))
        assert 590 < wait <= 601


@pytest.mark.postgres
def test_rows_stay_bounded_and_dead_ones_are_pruned(rate_engine: Engine, clock: HandClock) -> None:
    store = PostgresFailures(rate_engine, clock)
    guard = Guard("t", {"account": Rule(2, 100.0)}, store)
    guard.attempt(account="old")
    clock.now += 50
    guard.attempt(account="new")
    guard.attempt(account="new")
    for _ in range(3):
        retry_header(guard, account="new")

    def rows() -> dict[str, int]:
        with rate_engine.connect() as conn:
            return {b: n for b, n in conn.execute(text("SELECT bucket, cardinality(hits) FROM rate_limit"))}

    assert rows() == {"t:account:old": 1, "t:account:new": 2}  # never more hits than the limit
    clock.now += 60  # "old" left its window at +100; "new" is inside it until +150
    assert store.prune() == 1
    assert rows() == {"t:account:new": 2}
    clock.now += 100
    guard.attempt(account="new")  # old hits leave the row when it is charged again
    assert rows() == {"t:account:new": 1}


@pytest.mark.postgres
def test_a_take_prunes_at_most_once_a_minute(rate_engine: Engine, clock: HandClock) -> None:
    store = PostgresFailures(rate_engine, clock)
    store.take([Bucket("t:account:a", 5, 10.0)])
    clock.now += 20  # "a" is dead now
    store.take([Bucket("t:account:b", 5, 10.0)])  # within the minute: no prune, "a" stays

    def buckets() -> list[str]:
        with rate_engine.connect() as conn:
            return sorted(conn.execute(text("SELECT bucket FROM rate_limit")).scalars())

    assert buckets() == ["t:account:a", "t:account:b"]
    store._next_prune = 0.0  # a minute later
    store.take([Bucket("t:account:c", 5, 10.0)])
    assert buckets() == ["t:account:b", "t:account:c"]


@pytest.mark.postgres
def test_a_take_that_loses_the_race_for_the_last_slot_charges_nothing(rate_engine: Engine) -> None:
    """The take's snapshot sees room in the account, but another process fills it before the take
    gets the row's lock: the take must not charge the address either, and must answer braked."""
    guard = Guard("t", {"account": Rule(2, 600.0), "address": Rule(5, 600.0)}, PostgresFailures(rate_engine))
    guard.attempt(account="a", address="y")  # the account's row exists, one slot left
    outcome: list[object] = []
    with rate_engine.connect() as rival:
        rival.execute(text("UPDATE rate_limit SET hits = hits || hits WHERE bucket = 't:account:a'"))  # locked, not committed
        rival_pid = rival.execute(text("SELECT pg_backend_pid()")).scalar_one()
        racer = threading.Thread(target=lambda: outcome.append(_attempt_or_wait(guard, account="a", address="x")))
        racer.start()
        # Until the take waits for the rival's row lock; autocommit, or pg_stat_activity would be
        # one snapshot for the whole loop.
        with rate_engine.execution_options(isolation_level="AUTOCOMMIT").connect() as watcher:
            for _ in range(500):
                if watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE :rival = ANY(pg_blocking_pids(pid))"),
                                   {"rival": rival_pid}).scalar_one():
                    break
                threading.Event().wait(0.01)
            else:
                pytest.fail("the take never waited for the row lock")
        rival.commit()  # the account is full now
        racer.join(10)

    (result,) = outcome
    assert isinstance(result, int) and 590 < result <= 601
    with rate_engine.connect() as conn:
        counts = {b: n for b, n in conn.execute(text("SELECT bucket, cardinality(hits) FROM rate_limit"))}
    assert counts == {"t:account:a": 2, "t:address:y": 1, "t:address:x": 0}  # x: charged and given back


def _attempt_or_wait(guard: Guard, **keys: str) -> int | str:
    try:
        guard.attempt(**keys)
    except ApiError as braked:
        return int((braked.headers or {})["Retry-After"])
    return "charged"


@pytest.mark.postgres
def test_successes_leave_no_rows_behind_the_next_prune(rate_engine: Engine, clock: HandClock) -> None:
    store = PostgresFailures(rate_engine, clock)
    guard = Guard("login", {"account": Rule(3, 900.0), "address": Rule(5, 900.0)}, store)
    guard.attempt(account="ben", address="x")  # a failure
    guard.attempt(account="anna", address="x").succeeded()

    assert store.prune() == 1  # anna's emptied row, at once; ben's and the address's stay
    with rate_engine.connect() as conn:
        counts = {b: n for b, n in conn.execute(text("SELECT bucket, cardinality(hits) FROM rate_limit"))}
    assert counts == {"login:account:ben": 1, "login:address:x": 1}
