"""return.create, return.update, return.cancel through the real push and pull, on anna's demo orders."""

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from fastapi import FastAPI

from app.protocol.codes import CodeKind
from server.codes import CodeSigner
from server.db import Database
from server.models.base import utcnow
from tests.server.conftest import MakeDevice
from tests.server.dbstate import execute, head, scalar, snapshot
from tests.server.device import Device
from tests.server.shopper import (
    BEN_DELIVERED,
    CANCELLED,
    DELIVERED_5_DAYS,
    DELIVERED_40_DAYS,
    PROCESSING,
    TWO_PARCELS,
    item_id,
    new_id,
    order_id,
    rows,
    uploaded,
    withdrawal,
)


def create(device: Device, **args: Any) -> dict[str, Any]:
    return device.send("return.create", args)


def line(number: str, position: int, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {"order_item_id": item_id(number, position), "quantity": quantity, **extra}


def domain_tables(db: Database) -> dict[str, list[tuple[str, ...]]]:
    return {t: r for t, r in snapshot(db).items() if not t.startswith("sync_")}


def test_a_withdrawal_within_14_days_is_approved_with_a_signed_qr_code(anna: Device, app: FastAPI) -> None:
    return_id = new_id()

    result = anna.send("return.create", withdrawal(return_id, quantity=1))

    assert result["status"] == "ok", result
    assert result["result"] == {"return_id": return_id, "status": "qr_issued"}
    ret = rows(anna, "return")[return_id]
    assert (ret["kind"], ret["status"], ret["refund_method"]) == ("withdrawal", "qr_issued", "original_payment")
    assert ret["items"] == [{"order_item_id": item_id(DELIVERED_5_DAYS, 0), "quantity": 1, "reason": None,
                             "exchange_variant": None}]
    assert [(e["kind"], e["status"]) for e in ret["events"]] == [
        ("status", "requested"), ("status", "approved"), ("status", "qr_issued")]
    codes: CodeSigner = app.state.codes
    payload = codes.verify(ret["qr_token"], CodeKind.RETURN)
    assert payload.s == return_id
    assert payload.t is None
    assert timedelta(days=59) < timedelta(seconds=payload.x) - timedelta(seconds=utcnow().timestamp()) <= timedelta(days=60)


def test_return_create_is_idempotent_by_return_id(anna: Device, db: Database) -> None:
    return_id = new_id()
    first = anna.send("return.create", withdrawal(return_id))
    before = domain_tables(db)

    # The same return sent again under a new mutation id (another tab, a retry after a reset).
    again = anna.send("return.create", withdrawal(return_id))

    assert again["status"] == "ok"
    assert again["result"] == first["result"]
    assert domain_tables(db) == before
    assert scalar(db, "SELECT count(*) FROM customer_return WHERE id = :id", id=return_id) == 1


def test_a_return_id_of_another_customer_is_a_conflict(anna: Device, ben: Device) -> None:
    return_id = new_id()
    anna.send("return.create", withdrawal(return_id))

    stolen = ben.send("return.create", withdrawal(return_id, number=BEN_DELIVERED))

    assert (stolen["status"], stolen["code"]) == ("rejected", "conflict")


def test_after_40_days_withdrawal_is_refused_in_the_shoppers_language_and_warranty_works(anna: Device) -> None:
    args = withdrawal(new_id(), number=DELIVERED_40_DAYS, position=1)
    german = anna.push_raw([anna.mutation("return.create", args)], **{"Accept-Language": "de-DE,de;q=0.9"}).json()
    english = anna.send("return.create", {**args, "return_id": new_id()})

    refusal = german["results"][0]
    assert (refusal["status"], refusal["code"]) == ("rejected", "withdrawal_period_expired")
    assert "14" in refusal["message"] and "Widerrufsfrist" in refusal["message"]
    assert refusal["result"]["order_item_id"] == item_id(DELIVERED_40_DAYS, 1)
    assert english["code"] == "withdrawal_period_expired" and "14-day" in english["message"]
    goodwill = create(anna, return_id=new_id(), order_id=order_id(DELIVERED_40_DAYS), kind="return",
                      items=[line(DELIVERED_40_DAYS, 1, reason="quality")])
    assert goodwill["code"] == "return_period_expired"

    photo = uploaded(anna)
    claim_id = new_id()
    claim = create(anna, return_id=claim_id, order_id=order_id(DELIVERED_40_DAYS), kind="warranty_claim",
                   items=[line(DELIVERED_40_DAYS, 0)], comment="Der Schalter bleibt nicht mehr eingerastet.",
                   remedy="replacement", attachment_ids=[photo])

    assert claim["status"] == "ok", claim
    ret = rows(anna, "return")[claim_id]
    assert (ret["status"], ret["remedy"], ret["qr_token"]) == ("requested", "replacement", None)
    assert ret["attachment_ids"] == [photo]
    assert ret["comment"] == "Der Schalter bleibt nicht mehr eingerastet."


def test_a_withdrawal_sent_offline_in_time_counts_when_it_arrives_late(anna: Device, db: Database) -> None:
    # Delivered 15 days ago: the 14-day period ended yesterday (in the policy's time zone).
    delivered = utcnow() - timedelta(days=15)
    for table in ("customer_order", "shipment"):
        column = "id" if table == "customer_order" else "order_id"
        execute(db, f"UPDATE {table} SET delivered_at = :at WHERE {column} = :o", at=delivered,
                o=order_id(DELIVERED_5_DAYS))

    def sent(days_ago: float, return_id: str) -> dict[str, Any]:
        at = (utcnow() - timedelta(days=days_ago)).isoformat()
        mutation = {**anna.mutation("return.create", withdrawal(return_id)), "client_time": at}
        result: dict[str, Any] = anna.push(mutation)["results"][0]
        return result

    assert sent(0, new_id())["code"] == "withdrawal_period_expired"  # tapped today: too late
    # Tapped a week ago but said to arrive only now: beyond the grace, the arrival counts.
    assert sent(7, new_id())["code"] == "withdrawal_period_expired"
    # Tapped two days ago on a phone that was offline: sent in time, so it counts.
    assert sent(2, new_id())["status"] == "ok"


def test_a_warranty_claim_needs_a_description(anna: Device) -> None:
    result = create(anna, return_id=new_id(), order_id=order_id(DELIVERED_40_DAYS), kind="warranty_claim",
                    items=[line(DELIVERED_40_DAYS, 0)], remedy="repair")

    assert result["code"] == "description_required"


def test_someone_elses_photo_cannot_be_attached(anna: Device, ben: Device) -> None:
    foreign = uploaded(ben)

    result = create(anna, return_id=new_id(), order_id=order_id(DELIVERED_40_DAYS), kind="warranty_claim",
                    items=[line(DELIVERED_40_DAYS, 0)], comment="Kaputt", remedy="repair", attachment_ids=[foreign])

    assert (result["code"], result["result"]) == ("attachment_invalid", {"attachment_id": foreign})


def test_two_parcels_one_in_transit_and_a_personalised_item(anna: Device) -> None:
    lamp = create(anna, **withdrawal(new_id(), number=TWO_PARCELS, position=1))
    keyring = create(anna, **withdrawal(new_id(), number=TWO_PARCELS, position=2))
    cushions = create(anna, **withdrawal(new_id(), number=TWO_PARCELS, position=0, quantity=2))
    keyring_claim = create(anna, return_id=new_id(), order_id=order_id(TWO_PARCELS), kind="warranty_claim",
                           items=[line(TWO_PARCELS, 2)], comment="Die Gravur ist falsch geschrieben.", remedy="replacement")

    assert (lamp["code"], lamp["result"]) == ("not_delivered", {"order_item_id": item_id(TWO_PARCELS, 1)})
    assert (keyring["code"], keyring["result"]) == ("item_not_returnable", {"order_item_id": item_id(TWO_PARCELS, 2)})
    assert cushions["status"] == "ok"
    assert keyring_claim["status"] == "ok"


@pytest.mark.parametrize(("number", "code"), [(CANCELLED, "order_not_returnable"), (PROCESSING, "not_delivered")])
def test_orders_that_cannot_be_returned(anna: Device, number: str, code: str) -> None:
    assert create(anna, **withdrawal(new_id(), number=number))["code"] == code


def test_another_customers_order_is_not_found(ben: Device) -> None:
    assert create(ben, **withdrawal(new_id()))["code"] == "not_found"


def test_two_devices_returning_the_same_line_get_one_return(device: MakeDevice) -> None:
    phone, laptop = device("anna"), device("anna")
    first_id = new_id()

    first = phone.send("return.create", withdrawal(first_id))
    second = laptop.send("return.create", withdrawal(new_id()))

    assert first["status"] == "ok"
    assert (second["status"], second["code"], second["result"]) == (
        "rejected", "duplicate_return", {"return_id": first_id})
    assert list(rows(laptop, "return")) == [first_id]


def test_an_exchange_for_a_size_in_stock(anna: Device) -> None:
    exchange_id = new_id()
    shirt = rows(anna, "order")[order_id(DELIVERED_5_DAYS)]["items"][0]
    assert shirt["exchange_variants"] == ["Hellblau, S", "Hellblau, L", "Weiß, M"]

    sold_out = create(anna, return_id=new_id(), order_id=order_id(DELIVERED_5_DAYS), kind="exchange",
                      items=[line(DELIVERED_5_DAYS, 0, reason="too_small", exchange_variant="Hellblau, XXL")])
    no_reason = create(anna, return_id=new_id(), order_id=order_id(DELIVERED_5_DAYS), kind="exchange",
                       items=[line(DELIVERED_5_DAYS, 0, exchange_variant="Hellblau, L")])
    ok = create(anna, return_id=exchange_id, order_id=order_id(DELIVERED_5_DAYS), kind="exchange",
                items=[line(DELIVERED_5_DAYS, 0, reason="too_small", exchange_variant="Hellblau, L")])

    assert sold_out["code"] == "variant_unavailable"
    assert no_reason["code"] == "reason_required"
    assert ok["status"] == "ok"
    ret = rows(anna, "return")[exchange_id]
    assert ret["items"][0]["exchange_variant"] == "Hellblau, L"
    assert (ret["refund_method"], ret["status"]) == (None, "qr_issued")


def test_an_overlong_client_id_is_invalid_args_not_a_crash(anna: Device) -> None:
    assert create(anna, **withdrawal("r" * 64))["code"] == "invalid_args"


# --- return.update -------------------------------------------------------------------------------

def made_return(anna: Device, **extra: Any) -> str:
    return_id = new_id()
    args = {"return_id": return_id, "order_id": order_id(TWO_PARCELS), "kind": "return",
            "items": [line(TWO_PARCELS, 0, 1, reason="colour")], "comment": "Farbe passt nicht", **extra}
    assert create(anna, **args)["status"] == "ok"
    return return_id


def update(device: Device, return_id: str, **changes: Any) -> dict[str, Any]:
    return device.send("return.update", {"return_id": return_id, "changes": changes})


def test_comments_last_arrival_wins_and_history_is_kept(device: MakeDevice) -> None:
    phone, laptop = device("anna"), device("anna")
    return_id = made_return(phone)

    # Both devices edited the same comment offline; both edits arrive.
    a = update(phone, return_id, comment={"from": "Farbe passt nicht", "to": "Farbe wirkt anders als online"})
    b = update(laptop, return_id, comment={"from": "Farbe passt nicht", "to": "Zu orange"})

    assert a["status"] == b["status"] == "ok"
    ret = rows(laptop, "return")[return_id]
    assert ret["comment"] == "Zu orange"
    assert [(e["kind"], e["note"]) for e in ret["events"] if e["kind"] == "comment"] == [
        ("comment", "Farbe passt nicht"), ("comment", "Farbe wirkt anders als online")]


def test_refund_method_is_compare_and_set(device: MakeDevice, db: Database) -> None:
    phone, laptop = device("anna"), device("anna")
    return_id = made_return(phone)

    first = update(phone, return_id, refund_method={"from": "original_payment", "to": "store_credit"})
    before = domain_tables(db)
    stale = update(laptop, return_id, refund_method={"from": "original_payment", "to": "original_payment"},
                   comment={"from": "Farbe passt nicht", "to": "never applied"})

    assert first["status"] == "ok"
    assert (stale["code"], stale["result"]) == ("conflict", {"field": "refund_method", "current": "store_credit"})
    assert domain_tables(db) == before  # the comment of the refused edit was not applied either
    assert rows(laptop, "return")[return_id]["refund_method"] == "store_credit"


def test_items_are_compare_and_set_and_checked_by_the_policy(device: MakeDevice) -> None:
    phone, laptop = device("anna"), device("anna")
    return_id = made_return(phone)
    one = [line(TWO_PARCELS, 0, 1, reason="colour")]
    two = [line(TWO_PARCELS, 0, 2, reason="colour")]

    more = update(phone, return_id, items={"from": one, "to": two})
    stale = update(laptop, return_id, items={"from": one, "to": [line(TWO_PARCELS, 0, 1, reason="damaged")]})
    too_many = update(phone, return_id, items={"from": two, "to": [line(TWO_PARCELS, 0, 3, reason="colour")]})
    keyring = update(phone, return_id, items={"from": two, "to": [*two, line(TWO_PARCELS, 2, reason="damaged")]})

    assert more["status"] == "ok"
    assert stale["code"] == "conflict"
    assert stale["result"]["field"] == "items"
    assert stale["result"]["current"][0]["quantity"] == 2
    assert too_many["code"] == "quantity_exceeded"
    assert keyring["code"] == "item_not_returnable"
    ret = rows(phone, "return")[return_id]
    assert [(i["quantity"], i["reason"]) for i in ret["items"]] == [(2, "colour")]
    assert [e["kind"] for e in ret["events"]][-1] == "items"


@pytest.mark.parametrize("status", ["dropped_off", "received", "refunded"])
def test_a_handed_in_return_is_locked(anna: Device, db: Database, status: str) -> None:
    return_id = made_return(anna)
    execute(db, "UPDATE customer_return SET status = :s WHERE id = :id", s=status, id=return_id)

    edit = update(anna, return_id, comment={"from": None, "to": "noch etwas"})
    cancel = anna.send("return.cancel", {"return_id": return_id})

    assert (edit["code"], edit["result"]) == ("return_locked", {"status": status})
    assert cancel["code"] == "return_locked"


def test_a_cancelled_or_foreign_return_is_not_found(anna: Device, ben: Device) -> None:
    return_id = made_return(anna)
    assert anna.send("return.cancel", {"return_id": return_id})["status"] == "ok"

    assert update(anna, return_id, comment={"from": None, "to": "x"})["code"] == "not_found"
    assert ben.send("return.cancel", {"return_id": return_id})["code"] == "not_found"
    assert update(ben, new_id(), comment={"from": None, "to": "x"})["code"] == "not_found"


def test_cancel_frees_the_items_and_withdraws_the_qr_code(anna: Device) -> None:
    return_id = new_id()
    anna.send("return.create", withdrawal(return_id))

    cancelled = anna.send("return.cancel", {"return_id": return_id})
    twice = anna.send("return.cancel", {"return_id": return_id})
    again = anna.send("return.create", withdrawal(new_id()))

    assert cancelled["result"] == twice["result"] == {"return_id": return_id, "status": "cancelled"}
    ret = rows(anna, "return")[return_id]
    assert (ret["status"], ret["qr_token"]) == ("cancelled", None)
    assert ret["events"][-1]["status"] == "cancelled"
    assert again["status"] == "ok"  # the item is free for a new return


def test_a_burst_of_offline_edits_publishes_the_return_once_with_its_last_state(anna: Device, db: Database) -> None:
    return_id = new_id()
    args = {"return_id": return_id, "order_id": order_id(TWO_PARCELS), "kind": "return",
            "items": [line(TWO_PARCELS, 0, 1, reason="colour")], "comment": "Farbe passt nicht"}
    comments = ["Farbe passt nicht", "Zu orange", "Zu orange, bitte PayPal", "Doch Originalzahlung"]
    created = anna.mutation("return.create", args)
    edits = [anna.mutation("return.update", {"return_id": return_id, "changes": {"comment": {"from": a, "to": b}}})
             for a, b in pairwise(comments)]
    seq_before, _ = head(db)

    # Written offline on one device, the create and three edits arrive in one push.
    answer = anna.push(created, *edits)

    assert [r["status"] for r in answer["results"]] == ["ok"] * 4
    # Projected once: one change, numbered with the batch's last mutation.
    assert [r["seq"] for r in answer["results"]] == [None, None, None, seq_before + 1]
    assert head(db)[0] == seq_before + 1
    changes = [c for c in anna.changes() if c["entity"] == "return"]
    assert [c["data"]["comment"] for c in changes] == ["Doch Originalzahlung"]
    assert [e["note"] for e in changes[0]["data"]["events"] if e["kind"] == "comment"] == comments[:-1]


def test_an_account_erased_later_in_the_same_batch_keeps_its_return_tombstoned(anna: Device) -> None:
    return_id = made_return(anna)
    assert return_id in {c["id"] for c in anna.changes() if c["entity"] == "return"}

    anna.push(anna.mutation("return.update", {"return_id": return_id,
                                              "changes": {"comment": {"from": "Farbe passt nicht", "to": "Zu orange"}}}),
              anna.mutation("account.delete", {"confirm": True}))

    last = [c for c in anna.changes() if c["entity"] == "return" and c["id"] == return_id]
    assert [c["op"] for c in last] == ["D"]
