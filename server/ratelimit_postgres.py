"""The brakes' failure counts in PostgreSQL (`rate_limit`, server.models.ratelimit), shared by every process.

Each operation is one statement in its own autocommit transaction, so one round trip:
- TAKE charges an attempt to all of its buckets, or to none when any is full, and says how long
  the fullest one is braked;
- GIVE_BACK removes a successful attempt's charge;
- PRUNE deletes rows whose newest failure has left its window (or that a give-back emptied);
  `take` runs it at most once per PRUNE_EVERY_S in each process, so the table holds the buckets
  that failed within the last window, plus what died since that process's last prune. Requests
  other than sign-ins and lookups never touch it.

Why TAKE cannot be raced: its snapshot (`seen`) decides whether any bucket is full; if none is,
the INSERT ... ON CONFLICT DO UPDATE locks each bucket's row (in key order, like every other
TAKE, so no deadlock) and appends only if the row, re-read under that lock, still has room. Two
processes charging the last free slot of a bucket at once therefore cannot both get it: the one
that locks second sees it full and charges nothing there. Its other buckets may have been charged
meanwhile; `take` gives those back and asks again (its snapshot then sees the full bucket). So
a bucket never holds more than `limit` charges, whatever the number of processes; in the moment
between such a partial charge and its give-back, another attempt may see one charge too many and
be refused early (the safe side).

Times are epoch seconds on the database's clock (`statement_timestamp()`), one clock for every
process; tests may pass their own clock instead.
"""

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text

from server.ratelimit import Bucket, Charge

PRUNE_EVERY_S = 60.0
# A take whose snapshot saw room but lost a race for a bucket's last slot asks again; the second
# answer is final in practice (its snapshot includes the winner), the bound only guards a storm.
MAX_TAKE_ROUNDS = 5

_NOW = "COALESCE(CAST(:now AS float8), CAST(extract(epoch FROM statement_timestamp()) AS float8))"

# `want`: the buckets with their rules. `excluded.hits[1]` is this statement's time (the proposed
# row's only hit); the rule of the conflicting row is looked up in `want` by its bucket.
TAKE = text(f"""
WITH want AS (
    SELECT * FROM unnest(CAST(:buckets AS text[]), CAST(:limits AS int[]), CAST(:windows AS float8[]))
        AS w(bucket, max_hits, window_s)
), clock AS (
    SELECT {_NOW} AS t
), seen AS (
    SELECT w.bucket, w.max_hits, w.window_s, c.t,
           ARRAY(SELECT h FROM unnest(r.hits) AS h WHERE h > c.t - w.window_s ORDER BY h) AS recent
    FROM want w CROSS JOIN clock c LEFT JOIN rate_limit r ON r.bucket = w.bucket
), blocked AS (
    SELECT bucket, recent[cardinality(recent) - max_hits + 1] + window_s - t AS wait_s
    FROM seen WHERE cardinality(recent) >= max_hits
), taken AS (
    INSERT INTO rate_limit AS r (bucket, hits, expires_at)
    SELECT w.bucket, ARRAY[c.t], to_timestamp(c.t + w.window_s)
    FROM want w CROSS JOIN clock c
    WHERE NOT EXISTS (SELECT FROM blocked)
    ORDER BY w.bucket
    ON CONFLICT (bucket) DO UPDATE SET
        hits = ARRAY(SELECT h FROM unnest(r.hits || excluded.hits) AS h
                     WHERE h > excluded.hits[1] - (SELECT window_s FROM want WHERE bucket = excluded.bucket)
                     ORDER BY h),
        expires_at = GREATEST(r.expires_at, excluded.expires_at)
    WHERE (SELECT count(*) FROM unnest(r.hits) AS h
           WHERE h > excluded.hits[1] - (SELECT window_s FROM want WHERE bucket = excluded.bucket))
          < (SELECT max_hits FROM want WHERE bucket = excluded.bucket)
    RETURNING r.bucket
)
SELECT bucket, false AS charged, wait_s, CAST(NULL AS float8) AS stamp FROM blocked
UNION ALL
SELECT bucket, true, NULL, (SELECT t FROM clock) FROM taken
""")

# Removes one occurrence of the stamp: two attempts charged in the same microsecond share it,
# and either charge is as good as the other. A row left without failures (most rows of successful
# sign-ins) is marked dead, so the next prune removes it: the table keeps failures, not every
# recent sign-in's email and address. Deleting it here instead could race a concurrent TAKE.
GIVE_BACK = text("""
UPDATE rate_limit
SET hits = hits[1:array_position(hits, CAST(:stamp AS float8)) - 1]
           || hits[array_position(hits, CAST(:stamp AS float8)) + 1:],
    expires_at = CASE WHEN cardinality(hits) = 1 THEN to_timestamp(0) ELSE expires_at END
WHERE bucket = ANY(CAST(:buckets AS text[])) AND CAST(:stamp AS float8) = ANY(hits)
""")

PRUNE = text("DELETE FROM rate_limit WHERE expires_at < to_timestamp(" + _NOW + ")")


class PostgresFailures:
    """A `FailureStore` in the `rate_limit` table: every process on the database shares the counts."""

    def __init__(self, engine: Engine, clock: Callable[[], float] | None = None) -> None:
        # Autocommit: each statement is its own transaction, without BEGIN/COMMIT round trips, and
        # its row locks are held for that statement only.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._clock = clock
        self._next_prune = 0.0

    def _now(self) -> float | None:
        return self._clock() if self._clock is not None else None

    def take(self, buckets: Sequence[Bucket]) -> Charge:
        params = {"buckets": [b.key for b in buckets], "limits": [b.limit for b in buckets],
                  "windows": [b.window_s for b in buckets]}
        with self._engine.connect() as conn:
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY_S
                conn.execute(PRUNE, {"now": self._now()})
            for _ in range(MAX_TAKE_ROUNDS):
                rows = conn.execute(TAKE, {**params, "now": self._now()}).all()
                waits = [float(r.wait_s) for r in rows if not r.charged]
                if waits:
                    return Charge(None, max(waits))
                if len(rows) == len(buckets):
                    return Charge(float(rows[0].stamp))  # one statement, one time for every bucket
                # Lost a race for some bucket's last slot after the snapshot: undo, ask again.
                if rows:
                    conn.execute(GIVE_BACK, {"buckets": [r.bucket for r in rows], "stamp": float(rows[0].stamp)})
        return Charge(None, 1.0)

    def give_back(self, keys: Sequence[str], stamp: float) -> None:
        with self._engine.connect() as conn:
            conn.execute(GIVE_BACK, {"buckets": list(keys), "stamp": stamp})

    def prune(self) -> int:
        """Delete dead rows now; returns how many."""
        with self._engine.connect() as conn:
            return conn.execute(PRUNE, {"now": self._now()}).rowcount
