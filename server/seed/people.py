"""Stores and demo accounts of every role."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.auth import hash_password
from server.models import Store, User
from server.projections.profile import publish_profile
from server.projections.public import publish_store
from server.seed.ids import days_ago

STORES = [
    Store(id="BER-01", name="nahtlos Berlin Mitte", city="Berlin", address="Rosenthaler Straße 40, 10178 Berlin",
          opening_hours="Mo–Sa 10:00–20:00", timezone="Europe/Berlin"),
    Store(id="HAM-01", name="nahtlos Hamburg Ottensen", city="Hamburg", address="Ottenser Hauptstraße 12, 22765 Hamburg",
          opening_hours="Mo–Sa 10:00–19:00", timezone="Europe/Berlin"),
]

# (email, password, role, name, locale, store)
ACCOUNTS = [
    ("anna@example.com", "demo-anna", "customer", "Anna Schmidt", "de", None),
    ("ben@example.com", "demo-ben", "customer", "Ben Carter", "en", None),
    ("staff.ber@example.com", "demo-staff", "staff", "Jonas Weber", "de", "BER-01"),
    ("staff.ham@example.com", "demo-staff", "staff", "Mira Petersen", "de", "HAM-01"),
    ("agent@example.com", "demo-agent", "agent", "Lea Hoffmann", "de", None),
    ("kiosk.ber@example.com", "demo-kiosk", "kiosk", "Kiosk Berlin Mitte", "de", "BER-01"),
]
DEMO_EMAILS = [a[0] for a in ACCOUNTS]


@dataclass(frozen=True)
class People:
    anna: User
    ben: User
    staff_ber: User
    agent: User


def seed_people(session: Session) -> People:
    for store in STORES:
        session.merge(store)
        publish_store(session, store)
    users: dict[str, User] = {}
    for email, password, role, name, locale, store_id in ACCOUNTS:
        user = User(email=email, password_hash=hash_password(password), role=role, name=name, locale=locale,
                    store_id=store_id, demo=True, created_at=days_ago(400), marketing_email=role == "customer")
        session.add(user)
        users[email] = user
    session.flush()
    for user in users.values():
        if user.role == "customer":
            publish_profile(session, user)
    return People(anna=users["anna@example.com"], ben=users["ben@example.com"],
                  staff_ber=users["staff.ber@example.com"], agent=users["agent@example.com"])
