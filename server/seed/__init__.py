"""Demo data (`python -m server --seed demo`): idempotent, deterministic, refuses real data.

Ids come from uuid5 over stable names, so two seeded databases agree on every id; dates
are relative to the day of seeding, so "delivered 5 days ago" stays true for a demo.
Everything is written through the projections in one transaction, so the change log
holds a full snapshot from the start.
"""

from sqlalchemy import select

from server.db import Database
from server.models import User
from server.seed.content import seed_content
from server.seed.orders import seed_orders
from server.seed.people import DEMO_EMAILS, seed_people
from server.sync.log import commit_seq


class SeedRefused(Exception):
    """The database holds data that is not demo data; seeding it could mix the two."""


def seed_demo(db: Database) -> bool:
    """Seed the demo data. Returns False if it was already there."""
    with db.write() as session:
        foreign = session.scalars(select(User.email).where(User.demo.is_(False)).limit(1)).first()
        if foreign is not None:
            raise SeedRefused(f"the database holds non-demo accounts (e.g. {foreign})")
        present = set(session.scalars(select(User.email).where(User.email.in_(DEMO_EMAILS))))
        if present:
            return False
        seed_content(session)
        people = seed_people(session)
        seed_orders(session, people)
        commit_seq(session)
    return True
