"""POST /carrier/events: carriers push tracking checkpoints; open shopper screens update live.

Authenticated with a shared bearer token per deployment (`NAHTLOS_CARRIER_WEBHOOK_TOKEN`);
without one configured the route does not exist for callers (404), so a demo server never
accepts tracking events from anyone. Idempotent: a carrier redelivers webhooks on timeouts,
and the event's id (derived from the carrier's own id) makes the second delivery a no-op.
"""

import hmac
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol.carrier import CarrierEventAccepted, CarrierEventIn
from app.protocol.entities import ShipmentStatus
from app.protocol.errors import ErrorCode
from server.errors import ApiError
from server.models import Shipment, TrackingEvent
from server.projections.orders import publish_order, publish_shipment
from server.routes.deps import DbDep, HubDep
from server.sync.log import commit_seq, staged_scopes

router = APIRouter(prefix="/carrier", tags=["carrier"])
# Event ids are scoped to the tracking number: two carriers may both number their events "1".
_EVENT_NAMESPACE = uuid.UUID("5b1f3a52-6c1e-4f59-9a57-2f0d8d6c0a11")


def _check_token(request: Request, authorization: str | None) -> None:
    expected: str = request.app.state.settings.carrier_webhook_token
    if not expected:
        raise ApiError(404, ErrorCode.NOT_FOUND)
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, ErrorCode.TOKEN_INVALID)


def _apply(session: Session, event: CarrierEventIn) -> CarrierEventAccepted:
    shipment = session.scalars(select(Shipment).where(Shipment.tracking_number == event.tracking_number)).first()
    if shipment is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, {"tracking_number": event.tracking_number})
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, f"{event.tracking_number}/{event.event_id}"))
    if session.get(TrackingEvent, event_id) is not None:
        return CarrierEventAccepted(shipment_id=shipment.id, event_id=event_id, duplicate=True)
    latest = max((e.at for e in shipment.events), default=None)
    session.add(TrackingEvent(id=event_id, shipment_id=shipment.id, at=event.at, status=event.status,
                              location=event.location, description=dict(event.description)))
    # A late-arriving older checkpoint joins the timeline but does not roll the status back.
    if latest is None or event.at >= latest:
        shipment.status = event.status
        if event.status is ShipmentStatus.DELIVERED:
            shipment.delivered_at = event.at
            order = shipment.order
            if order.delivered_at is None and all(
                    s.status == ShipmentStatus.DELIVERED or s is shipment for s in order.shipments):
                order.delivered_at = event.at
                order.status = "delivered"
                publish_order(session, order)
    session.flush()
    session.expire(shipment, ["events"])
    publish_shipment(session, shipment)
    return CarrierEventAccepted(shipment_id=shipment.id, event_id=event_id, duplicate=False)


@router.post("/events", response_model=CarrierEventAccepted, responses={401: {}, 404: {}})
def carrier_event(event: CarrierEventIn, request: Request, db: DbDep, hub: HubDep,
                  authorization: Annotated[str | None, Header()] = None) -> CarrierEventAccepted:
    _check_token(request, authorization)
    with db.write() as session:
        accepted = _apply(session, event)
        scopes = staged_scopes(session)
        seq = commit_seq(session)
    if seq is not None:
        hub.publish(scopes, seq)
    return accepted
