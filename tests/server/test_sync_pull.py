"""POST /sync/pull: snapshots, deltas, paging on seq boundaries, epoch resets and expired scopes."""

import itertools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol import entities
from app.protocol.sync import Entity, PullResponse
from server.db import Database
from server.models import FaqArticle, Store, SyncLog
from server.projections.public import publish_faq_article, publish_store
from server.seed.ids import demo_id
from server.sync.log import commit_seq, stage
from tests.server.dbstate import execute, head, scalar
from tests.server.device import Device

FAQ = json.loads((Path(__file__).parents[2] / "server" / "demo_data" / "faq.json").read_text(encoding="utf-8"))

ANNA_ORDER_NUMBERS = {"NA-100231", "NA-100245", "NA-100198", "NA-100252", "NA-100240", "NA-100260", "NA-100271"}

PAYLOAD_MODELS: dict[str, type[BaseModel]] = {
    Entity.PROFILE: entities.ProfilePublic, Entity.ORDER: entities.OrderPublic,
    Entity.SHIPMENT: entities.ShipmentPublic, Entity.RETURN: entities.ReturnPublic,
    Entity.LOYALTY_ACCOUNT: entities.LoyaltyAccountPublic, Entity.LOYALTY_ENTRY: entities.LoyaltyEntryPublic,
    Entity.REWARD: entities.RewardPublic, Entity.THREAD: entities.ThreadPublic, Entity.MESSAGE: entities.MessagePublic,
    Entity.PICKUP: entities.PickupPublic, Entity.NOTIFICATION: entities.NotificationPublic,
    Entity.STORE: entities.StorePublic, Entity.FAQ_CATEGORY: entities.FaqCategoryPublic,
    Entity.FAQ_ARTICLE: entities.FaqArticlePublic,
    Entity.CUSTOMER_CONTEXT: entities.CustomerContextPublic,
}

Row = tuple[str, str, str, int, str, str]


def as_rows(changes: list[dict[str, Any]]) -> list[Row]:
    return [(c["scope"], c["entity"], c["id"], c["seq"], c["op"], json.dumps(c["data"], sort_keys=True))
            for c in changes]


def logged(db: Database, scopes: list[str]) -> set[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(select(SyncLog.scope, SyncLog.entity, SyncLog.entity_id)
                               .where(SyncLog.scope.in_(scopes))).all()
    return {(r.scope, r.entity, r.entity_id) for r in rows}


def server_change(db: Database, change: Callable[[Session], None]) -> int:
    """One server-side write transaction through the projections (as an admin import would do)."""
    with db.write() as session:
        change(session)
        seq = commit_seq(session)
    assert seq is not None
    return seq


def make_history(anna: Device, db: Database) -> None:
    """Many transactions of different sizes, in anna's scope, the public scope and both."""
    anna.send("profile.update", {"name": "Anna S."})
    anna.send("thread.create", {"thread_id": "t-1", "subject": "Hallo", "first_message_id": "m-1", "body": "Eins"})
    for n in range(2, 6):
        anna.send("message.send", {"message_id": f"m-{n}", "thread_id": "t-1", "body": f"Nachricht {n}"})

    def store_hours(session: Session) -> None:
        store = session.get_one(Store, "BER-01")
        store.opening_hours = "Mo–Sa 9:00–21:00"
        publish_store(session, store)

    server_change(db, store_hours)
    anna.send("profile.update", {"marketing_email": False})

    def faq_import(session: Session) -> None:  # one transaction of 124 rows
        for article in session.scalars(select(FaqArticle)):
            article.helpful_yes += 1
            publish_faq_article(session, article)

    server_change(db, faq_import)
    anna.send("order.cancel", {"order_id": order_id("NA-100271")})
    anna.send("profile.update", {"locale": "en"})


def order_id(number: str) -> str:
    return demo_id("order", number)


def test_first_pull_is_a_full_snapshot_of_the_principals_scopes(anna: Device, db: Database) -> None:
    response = anna.pull_raw({})  # no epoch, no cursors

    assert response.status_code == 200
    page = response.json()
    seq, epoch = head(db)
    assert page["epoch"] == epoch
    assert page["more"] is False
    assert page["cursors"] == {anna.scope: seq, "public": seq}
    assert sorted(page["scopes_added"]) == sorted([anna.scope, "public"])
    assert page["scopes_removed"] == []
    assert page["last_mutation_id"] == 0
    assert page["rejections"] == []

    changes = page["changes"]
    assert {(c["scope"], c["entity"], c["id"]) for c in changes} == logged(db, [anna.scope, "public"])
    assert len(changes) == len({(c["scope"], c["entity"], c["id"]) for c in changes})
    by_entity = Counter(c["entity"] for c in changes)
    assert {c["data"]["number"] for c in changes if c["entity"] == "order"} == ANNA_ORDER_NUMBERS
    assert by_entity["profile"] == 1
    profile = next(c for c in changes if c["entity"] == "profile")
    assert profile["id"] == str(anna.user_id)
    assert profile["data"]["email"] == "anna@example.com"
    assert by_entity["faq_article"] == 2 * len(FAQ["articles"]) == 124
    assert by_entity["faq_category"] == 2 * len(FAQ["categories"])
    assert by_entity["store"] == 2
    assert by_entity["reward"] == 4
    assert by_entity["thread"] == 1 and by_entity["message"] == 4
    assert by_entity["pickup"] == 1 and by_entity["loyalty_account"] == 1 and by_entity["notification"] == 1
    assert by_entity["shipment"] == 5
    assert all(c["op"] == "U" and c["seq"] <= seq for c in changes)
    assert {c["scope"] for c in changes if c["entity"] in ("faq_article", "faq_category", "store", "reward")} == {
        "public"}


def test_every_payload_matches_the_wire_contract(anna: Device, ben: Device, device: Any) -> None:
    for who in (anna, ben, device("staff.ber"), device("agent")):
        for change in who.changes():
            PAYLOAD_MODELS[change["entity"]].model_validate(change["data"], strict=False)


def test_a_pull_without_epoch_ignores_cursors(anna: Device) -> None:
    full = anna.pull_raw({"cursors": {anna.scope: 10**9, "public": 10**9}}).json()

    assert len(full["changes"]) > 100


def test_a_pull_from_the_head_is_empty(anna: Device) -> None:
    anna.pull()

    again = anna.pull()

    assert again["changes"] == []
    assert again["more"] is False
    assert again["scopes_added"] == [] and again["scopes_removed"] == []


def test_a_delta_pull_returns_only_the_changed_rows(anna: Device, db: Database) -> None:
    anna.pull()

    profile = anna.send("profile.update", {"name": "Anna Schmidt-Meyer"})
    first = anna.pull()
    cancel = anna.send("order.cancel", {"order_id": order_id("NA-100271")})
    second = anna.pull()

    assert [(c["entity"], c["id"], c["seq"]) for c in first["changes"]] == [
        ("profile", str(anna.user_id), profile["seq"])]
    assert first["changes"][0]["data"]["name"] == "Anna Schmidt-Meyer"
    assert first["cursors"] == {anna.scope: profile["seq"], "public": profile["seq"]}
    assert [(c["entity"], c["id"]) for c in second["changes"]] == [("order", order_id("NA-100271"))]
    assert second["changes"][0]["data"]["status"] == "cancelled"
    assert second["cursors"][anna.scope] == cancel["seq"] == head(db)[0]


def test_another_users_change_moves_the_cursor_but_sends_nothing(anna: Device, ben: Device) -> None:
    anna.pull()

    ben.send("profile.update", {"name": "Benjamin"})
    page = anna.pull()

    assert page["changes"] == []
    assert page["cursors"][anna.scope] == page["cursors"]["public"] >= 2


@pytest.mark.parametrize("limit", [1, 7])
def test_paging_cuts_on_seq_boundaries_and_adds_up_to_one_big_pull(anna: Device, device: Any, db: Database,
                                                                   limit: int) -> None:
    make_history(anna, db)
    big = device("anna").pull_raw({"limit": 5000}).json()
    assert big["more"] is False

    paged = device("anna")
    pages = paged.pull_all(limit)

    seqs_by_page = [{c["seq"] for c in page["changes"]} for page in pages]
    for n, page in enumerate(pages):
        if len(page["changes"]) > limit:  # only a single transaction bigger than the limit may exceed it
            assert len(seqs_by_page[n]) == 1, f"page {n} over the limit with several seqs"
        assert page["more"] is (n < len(pages) - 1)
        assert page["changes"] or not page["more"], "a page without rows must be the last one"
    for earlier in range(len(pages)):
        for later in range(earlier + 1, len(pages)):
            assert max(seqs_by_page[earlier], default=0) < min(seqs_by_page[later], default=10**12)
    # Cursors never go back, and every row of a page is at or below its cursor.
    for before, after in itertools.pairwise(pages):
        assert all(after["cursors"][s] >= before["cursors"][s] for s in before["cursors"])
    for page in pages:
        assert all(c["seq"] <= page["cursors"][c["scope"]] for c in page["changes"])
    assert sorted(as_rows([c for p in pages for c in p["changes"]])) == sorted(as_rows(big["changes"]))
    assert pages[-1]["cursors"] == big["cursors"]
    if limit < 124:
        assert len(pages) > 3


def test_no_seq_is_split_across_pages_even_across_scopes(ben: Device, device: Any) -> None:
    staff = device("staff.ham")
    staff.pull()
    ben.pull()
    seq = ben.send("order.cancel", {"order_id": order_id("NA-100268")})["seq"]  # order + pickup, two scopes

    page = ben.pull(limit=1)
    staff_page = staff.pull(limit=1)

    assert sorted(c["entity"] for c in page["changes"]) == ["order", "pickup"]
    assert {c["seq"] for c in page["changes"]} == {seq}
    assert page["more"] is False
    assert [c["entity"] for c in staff_page["changes"]] == ["pickup"]
    assert staff_page["changes"][0]["data"]["status"] == "cancelled"


def test_a_transaction_bigger_than_the_limit_is_sent_whole(anna: Device, db: Database) -> None:
    snapshot_size = len(logged(db, [anna.scope, "public"]))

    first = anna.pull(limit=1)

    assert len(first["changes"]) == snapshot_size  # the seed is one transaction
    assert first["more"] is False

    def faq_import(session: Session) -> None:
        for article in session.scalars(select(FaqArticle)):
            article.helpful_no += 1
            publish_faq_article(session, article)

    seq = server_change(db, faq_import)
    anna.send("profile.update", {"name": "Anna"})
    second = anna.pull(limit=5)
    third = anna.pull(limit=5)

    assert len(second["changes"]) == 124 and {c["seq"] for c in second["changes"]} == {seq}
    assert second["more"] is True
    assert second["cursors"] == {anna.scope: seq, "public": seq}
    assert [c["entity"] for c in third["changes"]] == ["profile"]
    assert third["more"] is False


def test_a_changed_epoch_answers_reset(anna: Device, db: Database) -> None:
    anna.pull()
    execute(db, "UPDATE sync_counter SET epoch = 'restored-from-backup' WHERE id = 1")

    response = anna.pull_raw({"epoch": anna.epoch, "cursors": anna.cursors})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "reset"
    assert body["detail"] == {"epoch": "restored-from-backup"}
    assert body["message"]


def test_a_cursor_from_a_lost_future_answers_reset(anna: Device, db: Database) -> None:
    anna.pull()
    seq, epoch = head(db)

    response = anna.pull_raw({"epoch": epoch, "cursors": {anna.scope: seq + 1000, "public": seq}})

    assert response.status_code == 409
    assert response.json()["code"] == "reset"


def test_a_cursor_below_the_pruned_horizon_is_scope_expired(anna: Device, db: Database) -> None:
    anna.pull()
    old_cursor = anna.cursors[anna.scope]
    for n in range(3):
        anna.send("profile.update", {"name": f"Anna {n}"})
    seq, epoch = head(db)
    execute(db, "INSERT INTO sync_scope_state (scope, pruned_through) VALUES (:scope, :seq)", scope=anna.scope,
            seq=seq - 1)

    expired = anna.pull_raw({"epoch": epoch, "cursors": {anna.scope: old_cursor, "public": seq}})
    from_zero = anna.pull_raw({"epoch": epoch, "cursors": {anna.scope: 0, "public": seq}})
    recent = anna.pull_raw({"epoch": epoch, "cursors": {anna.scope: seq - 1, "public": seq}})

    assert expired.status_code == 410
    assert expired.json()["code"] == "scope_expired"
    assert expired.json()["detail"] == {"scope": anna.scope}
    assert from_zero.status_code == 200 and len(from_zero.json()["changes"]) > 10
    assert recent.status_code == 200
    assert [c["entity"] for c in recent.json()["changes"]] == ["profile"]


def test_cursors_for_scopes_the_token_lacks_are_dropped_and_reported(anna: Device, ben: Device) -> None:
    anna.pull()

    page = anna.pull_raw({"epoch": anna.epoch, "cursors": {**anna.cursors, ben.scope: 0, "agent": 0}}).json()

    assert sorted(page["scopes_removed"]) == sorted([ben.scope, "agent"])
    assert set(page["cursors"]) == {anna.scope, "public"}
    assert page["changes"] == []


def test_an_unknown_client_id_pulls_with_last_mutation_id_zero(anna: Device) -> None:
    page = anna.pull_raw({}, **{"X-Client-Id": "never-pushed-0001"}).json()

    assert page["last_mutation_id"] == 0


def test_pull_reads_no_more_rows_than_it_returns(anna: Device, db: Database) -> None:
    anna.pull()
    before = scalar(db, "SELECT count(*) FROM sync_log")

    anna.send("profile.update", {"name": "Anna"})
    anna.pull()

    assert scalar(db, "SELECT count(*) FROM sync_log") == before  # the log keeps the latest state per row


def test_the_written_body_is_exactly_the_pull_response_model(anna: Device, db: Database) -> None:
    """The page is written by hand around the stored payload text (server/sync/pull.py): it must
    parse as `PullResponse` with nothing missing or extra, tombstones, rejections and text that
    needs escaping included."""
    anna.pull()
    anna.send("profile.update", {"name": 'Zoë "Zuzu" Öztürk \\ ☃'})
    anna.send("no.such_mutation", {})

    def retire_notification(session: Session) -> None:
        stage(session, [anna.scope], Entity.NOTIFICATION, "n-retired", None)

    server_change(db, retire_notification)
    response = anna.pull_raw({"epoch": anna.epoch, "cursors": anna.cursors})

    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = json.loads(response.content)
    assert PullResponse.model_validate_json(response.content).model_dump(mode="json") == body
    by_entity = {c["entity"]: c for c in body["changes"]}
    assert by_entity["profile"]["data"]["name"] == 'Zoë "Zuzu" Öztürk \\ ☃'
    assert by_entity["notification"]["op"] == "D" and by_entity["notification"]["data"] is None
    assert [r["code"] for r in body["rejections"]] == ["unknown_mutation"]
