"""Cache tables (SQLAlchemy Core).

Synced tables mirror the payloads: the whole payload in `data` (JSON), plus `scope`, `seq`
and the few columns we sort or filter on, copied out of the payload when a page is applied.
Synced rows are never edited locally; pending writes live in `outbox` and are laid on top
by the overlay.
"""

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)

from app.protocol.sync import Entity

metadata = MetaData()

sync_state = Table(
    "sync_state", metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("client_id", String(64), nullable=False),
    Column("epoch", String(64)),
    Column("next_mutation_id", Integer, nullable=False),
    Column("last_synced_at", String(40)),
)
# Its one row, read by the outbox (ids, epoch) and the cache (state for the UI): built once.
STATE_ROW = select(sync_state).where(sync_state.c.id == 1)

sync_cursor = Table(
    "sync_cursor", metadata,
    Column("scope", String(64), primary_key=True),
    Column("cursor", Integer, nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("mutation_id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | rejected
)

rejection = Table(
    "rejection", metadata,
    Column("id", Integer, primary_key=True),
    # A mutation id is unique per client id only: a renumbered queue starts again at 1.
    Column("client_id", String(64), nullable=False),
    Column("mutation_id", Integer, nullable=False),
    Column("name", String(64)),
    Column("code", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("args", JSON),
    Column("seen", Integer, nullable=False, default=0),
    UniqueConstraint("client_id", "mutation_id"),
)

# The loyalty card's last signed QR token (one row). Not synced: fetched by the device
# (services.loyalty), kept so the card works offline until it expires.
loyalty_card = Table(
    "loyalty_card", metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("account_id", String(64), nullable=False),
    Column("card_number", String(32), nullable=False),
    Column("token", Text, nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

# Signed QR codes of the shopper's pickups (services.pickups), one row per pickup. Not synced:
# fetched by the device while online, kept so the code still shows in a store without signal.
pickup_code = Table(
    "pickup_code", metadata,
    Column("pickup_id", String(64), primary_key=True),
    Column("token", Text, nullable=False),
    Column("short_code", String(16), nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

# Facts about this device's copy of the account that are never synced (services.account keeps
# "a deletion was requested here" in it). Survives a cache wipe, goes with the cache file.
local_flag = Table(
    "local_flag", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Columns copied out of each entity's payload, for sorting and filtering.
EXTRACTED: dict[Entity, tuple[str, ...]] = {
    Entity.PROFILE: (),
    Entity.ORDER: ("placed_at",),
    Entity.SHIPMENT: ("order_id",),
    Entity.RETURN: ("order_id", "created_at"),
    Entity.LOYALTY_ACCOUNT: (),
    Entity.LOYALTY_ENTRY: ("at",),
    Entity.REWARD: (),
    Entity.THREAD: ("updated_at",),
    Entity.MESSAGE: ("thread_id", "sent_at"),
    Entity.PICKUP: ("status", "order_id"),
    Entity.NOTIFICATION: ("at",),
    Entity.STORE: (),
    Entity.FAQ_CATEGORY: ("locale",),
    Entity.FAQ_ARTICLE: ("locale", "slug"),
    Entity.CUSTOMER_CONTEXT: (),
}


def _synced_table(entity: Entity) -> Table:
    name = f"synced_{entity.value}"
    extra = EXTRACTED[entity]
    table = Table(
        name, metadata,
        Column("id", String(64), primary_key=True),
        Column("scope", String(64), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("data", JSON, nullable=False),
        *(Column(col, String(64)) for col in extra),
    )
    Index(f"ix_{name}_scope", table.c.scope)
    for col in extra:
        Index(f"ix_{name}_{col}", table.c[col])
    return table


SYNCED: dict[Entity, Table] = {entity: _synced_table(entity) for entity in Entity}
