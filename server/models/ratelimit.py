"""Failure counts of the sign-in and guest-lookup brakes, shared by every server process (PostgreSQL).

One row per bucket ("login:account:anna@example.com", "lookup:address:203.0.113.5", ...): the
times of its most recent failures (epoch seconds on the database clock, at most the rule's limit
of them, oldest first) and when the newest one leaves its window, after which the row is dead
and pruned. `server.ratelimit_postgres` reads and writes it with single atomic statements.

PostgreSQL keeps `hits` as a `float8[]` so a statement can filter, append and trim it in place.
SQLite gets a JSON column only so both backends share one schema: the embedded server is one
process and keeps its windows in memory (`server.ratelimit.MemoryFailures`), so there it stays empty.
"""

from sqlalchemy import JSON, Float, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant

HitTimes = JSON().with_variant(ARRAY(Float()), "postgresql")


class RateLimitBucket(Base):
    __tablename__ = "rate_limit"

    # "<guard>:<kind>:<key>"; keys are at most 254 characters (an email), so this always fits.
    bucket: Mapped[str] = mapped_column(String(300), primary_key=True)
    hits: Mapped[list[float]] = mapped_column(HitTimes)
    expires_at: Mapped[Instant] = mapped_column(index=True)
