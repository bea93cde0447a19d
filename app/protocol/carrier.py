"""Carrier webhook: a parcel's new tracking event, as a carrier (or its aggregator) sends it."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.protocol.entities import ShipmentStatus


class CarrierEventIn(BaseModel):
    """One checkpoint. `event_id` is the carrier's own id: a redelivered webhook is the same event."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=40)
    status: ShipmentStatus
    at: datetime
    location: str | None = Field(default=None, max_length=120)
    # The checkpoint text per language ("de", "en"); the app shows the shopper's language.
    description: dict[str, str] = Field(min_length=1, max_length=4)


class CarrierEventAccepted(BaseModel):
    shipment_id: str
    event_id: str
    duplicate: bool
