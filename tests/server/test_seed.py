"""`server.seed.seed_demo`: one transaction on a blank database, idempotent, deterministic, and it
refuses a database with real users.

Seeding hashes six passwords with argon2, so a blank database is seeded once per backend and
session: the template every test copies (tests/conftest.py) is made by exactly that - a blank
database, migrated by `create_app`, then `seed_demo`. What it saw is asserted here.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.models import FaqArticle, Order, Pickup, Store, SyncLog, User
from server.seed import SeedRefused, seed_demo
from tests.conftest import SEED_SCHEMA, SeededTemplate
from tests.server.dbstate import snapshot


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_blank_database_is_seeded_in_one_transaction(template: SeededTemplate, db: Database) -> None:
    assert template.seeding.created is True
    assert template.seeding.seq == 1  # the whole demo is one transaction: one seq, a full snapshot

    with db.read() as session:
        roles = sorted(session.scalars(select(User.role)))
        assert set(session.scalars(select(SyncLog.seq))) == {1}
    assert roles == ["agent", "customer", "customer", "kiosk", "staff", "staff"]
    assert (count(db, Store), count(db, FaqArticle)) == (2, 124)
    assert count(db, Order) >= 10 and count(db, Pickup) >= 2  # anna's 7, ben's 3 (more may come)


def test_seeding_a_seeded_database_changes_nothing(db: Database) -> None:
    before = snapshot(db)

    assert seed_demo(db) is False

    assert snapshot(db) == before


def test_seeding_refuses_a_database_with_a_real_user(db: Database) -> None:
    with db.write() as session:
        session.add(User(email="real.customer@example.org", password_hash="x", role="customer", name="Real",
                         locale="de", demo=False, created_at=datetime.now(UTC)))
    before = snapshot(db)

    with pytest.raises(SeedRefused, match="real.customer@example.org"):
        seed_demo(db)

    assert snapshot(db) == before


@pytest.mark.postgres
def test_two_seeded_databases_agree_on_every_id(sqlite_template: SeededTemplate, postgres_template: SeededTemplate,
                                                tmp_path: Path) -> None:
    """SQLite and PostgreSQL were seeded separately: same users, same ids, same synced rows."""
    assert postgres_template.postgres is not None
    shutil.copy(sqlite_template.location, tmp_path / "seeded.sqlite")
    sqlite_db = Database(f"sqlite:///{tmp_path / 'seeded.sqlite'}")
    # The seed schema, not public: earlier tests may have changed public since its last refill.
    postgres_db = Database(f"{postgres_template.postgres.url}?options=-csearch_path%3D{SEED_SCHEMA}")
    try:
        with sqlite_db.read() as a, postgres_db.read() as b:
            users_a, users_b = (s.execute(select(User.id, User.email).order_by(User.id)).all() for s in (a, b))
            log_a, log_b = (s.execute(select(SyncLog.scope, SyncLog.entity, SyncLog.entity_id, SyncLog.op)).all()
                            for s in (a, b))
    finally:
        sqlite_db.dispose()
        postgres_db.dispose()

    assert users_a == users_b
    assert set(log_a) == set(log_b)
    assert len(log_a) == len(log_b) > 190
