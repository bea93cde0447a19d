"""Migration 0002 upgrades a database that already holds data (and downgrades again), on both backends."""

import json

from alembic import command
from sqlalchemy import create_engine, text

from server.migrate import alembic_config

ROWS = [
    ("INSERT INTO app_user (id, email, password_hash, role, name, locale, marketing_email, push_notifications, demo,"
     " created_at) VALUES (1, 'a@example.com', 'x', 'customer', 'A', 'de', false, true, false, '2026-01-01 10:00:00')"),
    ("INSERT INTO customer_order (id, number, customer_id, email, status, placed_at, currency, total, shipping_fee,"
     " payment_method, fulfilment) VALUES ('o1', 'NA-1', 1, 'a@example.com', 'delivered', '2026-01-01 10:00:00',"
     " 'EUR', 100, 0, 'paypal', 'delivery')"),
    ("INSERT INTO order_item (id, order_id, position, sku, name, category, quantity, unit_price, returnable,"
     " age_restricted) VALUES ('i1', 'o1', 0, 'S', 'Shirt', 'apparel', 1, 100, true, false)"),
    ("INSERT INTO customer_return (id, order_id, customer_id, kind, status, created_at, updated_at, attachment_ids)"
     " VALUES ('r1', 'o1', 1, 'return', 'requested', '2026-01-02 10:00:00', '2026-01-02 10:00:00', '[]')"),
    ("INSERT INTO return_event (id, return_id, at, status, note)"
     " VALUES ('e1', 'r1', '2026-01-02 10:00:00', 'requested', 'old note')"),
]


def migrate(url: str, target: str, down: bool = False) -> None:
    engine = create_engine(url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, target)
    finally:
        engine.dispose()


def test_0002_upgrades_existing_rows_and_downgrades(blank_db_url: str) -> None:
    migrate(blank_db_url, "0001")
    engine = create_engine(blank_db_url)
    try:
        with engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))

        migrate(blank_db_url, "head")

        with engine.begin() as conn:
            variants = conn.execute(text("SELECT exchange_variants FROM order_item WHERE id = 'i1'")).scalar_one()
            event = conn.execute(text("SELECT kind, position, note FROM return_event WHERE id = 'e1'")).one()
            conn.execute(text("UPDATE return_event SET note = :n WHERE id = 'e1'"), {"n": "x" * 4000})
            conn.execute(text("UPDATE return_event SET note = 'short again' WHERE id = 'e1'"))
        assert (json.loads(variants) if isinstance(variants, str) else variants) == []
        assert tuple(event) == ("status", 0, "old note")

        migrate(blank_db_url, "0001", down=True)

        with engine.connect() as conn:
            columns = conn.execute(text("SELECT * FROM order_item")).keys()
        assert "exchange_variants" not in columns
    finally:
        engine.dispose()
