""""My data": the export of everything the server holds about a customer (GDPR art. 15 and 20).

`GET /account/export` answers an `AccountExport` as a JSON file download. The row models are
the synced payloads (app.protocol.entities), so an export reads like the app's own data.
"""

from pydantic import BaseModel, Field

from app.protocol.entities import (
    LoyaltyAccountPublic,
    LoyaltyEntryPublic,
    MessagePublic,
    NotificationPublic,
    OrderPublic,
    PickupPublic,
    ProfilePublic,
    ReturnPublic,
    ShipmentPublic,
    ThreadPublic,
)

EXPORT_FORMAT = "nahtlos-export-v1"


class ExportedAccount(ProfilePublic):
    role: str
    created_at: str


class ExportedThread(ThreadPublic):
    messages: list[MessagePublic] = Field(default_factory=list)


class ExportedAttachment(BaseModel):
    id: str
    content_type: str
    size: int
    created_at: str
    download: str  # API path of the file (GET, signed in)


class ExportedSession(BaseModel):
    """A signed-in device (refresh-token family)."""

    created_at: str
    expires_at: str
    revoked_at: str | None = None


class ExportedLoyalty(BaseModel):
    account: LoyaltyAccountPublic
    entries: list[LoyaltyEntryPublic]


class AccountExport(BaseModel):
    format: str = EXPORT_FORMAT
    exported_at: str
    profile: ExportedAccount
    orders: list[OrderPublic]
    shipments: list[ShipmentPublic]
    returns: list[ReturnPublic]
    loyalty: ExportedLoyalty | None = None
    threads: list[ExportedThread]
    pickups: list[PickupPublic]
    notifications: list[NotificationPublic]
    attachments: list[ExportedAttachment]
    sessions: list[ExportedSession]
