"""GET /account/export: everything the server holds about the signed-in customer, as a JSON download."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.protocol.account import EXPORT_FORMAT, AccountExport
from tests.server.conftest import MakeDevice
from tests.server.device import Device
from tests.server.shopper import (
    DELIVERED_5_DAYS,
    GUEST_ORDER,
    new_id,
    rows,
    uploaded,
    withdrawal,
)

EXPORT = "/api/v1/account/export"


def export(device: Device) -> tuple[dict[str, str], AccountExport]:
    response = device.http.get(EXPORT, headers={"Authorization": f"Bearer {device.access_token}"})
    assert response.status_code == 200, response.text
    return dict(response.headers), AccountExport.model_validate_json(response.content)


def test_the_export_is_a_dated_json_file(anna: Device) -> None:
    headers, data = export(anna)

    today = datetime.now(UTC).date().isoformat()
    assert headers["content-disposition"] == f'attachment; filename="nahtlos-data-{today}.json"'
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert data.format == EXPORT_FORMAT


def test_the_export_holds_everything_the_devices_see_and_more(anna: Device) -> None:
    return_id = new_id()
    anna.send("return.create", {**withdrawal(return_id), "comment": "Zu weit geschnitten"})
    photo = uploaded(anna)

    _, data = export(anna)

    synced = {entity: rows(anna, entity) for entity in ("order", "shipment", "return", "loyalty_entry", "thread",
                                                        "message", "pickup", "notification", "profile")}
    assert data.profile.email == "anna@example.com" and data.profile.role == "customer" and data.profile.created_at
    assert {o.id for o in data.orders} == set(synced["order"])
    assert DELIVERED_5_DAYS in {o.number for o in data.orders} and GUEST_ORDER not in {o.number for o in data.orders}
    assert data.orders[0].address is not None  # the export is for the customer: addresses included
    assert {s.id for s in data.shipments} == set(synced["shipment"])
    assert [(r.id, r.comment) for r in data.returns] == [(return_id, "Zu weit geschnitten")]
    assert data.loyalty is not None
    assert data.loyalty.account.balance == sum(e.points for e in data.loyalty.entries)
    assert {e.id for e in data.loyalty.entries} == set(synced["loyalty_entry"])
    assert {t.id for t in data.threads} == set(synced["thread"])
    assert {m.id for t in data.threads for m in t.messages} == set(synced["message"])
    assert [m.sender for m in data.threads[0].messages] == ["customer", "bot", "customer", "agent"]
    assert {p.id for p in data.pickups} == set(synced["pickup"])
    assert {n.id for n in data.notifications} == set(synced["notification"])
    assert [(a.id, a.download) for a in data.attachments] == [(photo, f"/api/v1/attachments/{photo}")]
    assert data.sessions  # the signed-in devices


def test_an_export_holds_only_the_callers_data(ben: Device) -> None:
    _, data = export(ben)

    text = data.model_dump_json()
    assert data.profile.email == "ben@example.com"
    assert "anna" not in text.lower() and "Kastanienallee" not in text
    assert {o.number for o in data.orders} == {"NA-100233", "NA-100262", "NA-100268"}
    assert data.threads == []


def test_only_a_signed_in_customer_exports(device: MakeDevice, client: TestClient) -> None:
    staff = device("staff.ber")

    forbidden = client.get(EXPORT, headers={"Authorization": f"Bearer {staff.access_token}"})
    anonymous = client.get(EXPORT)

    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")


def test_after_deletion_there_is_nothing_to_export(anna: Device) -> None:
    assert anna.send("account.delete", {"confirm": True})["status"] == "ok"

    response = anna.http.get(EXPORT, headers={"Authorization": f"Bearer {anna.access_token}"})

    assert (response.status_code, response.json()["code"]) == (401, "token_invalid")
