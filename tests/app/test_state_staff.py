"""The staff tablet's state driven like its screens drive it: the queue, a typed code, the handover
steps (ID check for age-restricted items, recipient, items complete, signature), a second
tablet that was too late, and the shopper's screens following live (pickup status, notification)."""

from collections.abc import Callable

from fastapi import FastAPI

from app.state import SessionState
from app.state.notifications import NotificationsState
from app.state.pickups import PickupState
from app.state.staff import (
    ITEMS_NOT_CONFIRMED,
    STEP_AGE,
    STEP_DONE,
    STEP_ITEMS,
    STEP_PROOF,
    StaffState,
)
from server.db import Database
from server.models import Pickup, PickupHandover
from server.seed.ids import demo_id
from services.client import ClientCore
from services.pickups import SCAN_ALREADY, SCAN_UNKNOWN
from tests.app.test_state import eventually, new_session, run
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]
ANNA_PICKUP = demo_id("pickup", "NA-100252")
BEN_PICKUP = demo_id("pickup", "NA-100268")


async def signed_in(make_core: MakeCore, email: str, password: str, device: str) -> SessionState:
    session = new_session(make_core(device))
    assert await session.sign_in(email, password)
    account = session.account
    assert account is not None
    await eventually(lambda: account.sync.status.last_synced_at is not None)
    return session


async def tablet(make_core: MakeCore, device: str, email: str = "staff.ber@example.com") -> tuple[SessionState,
                                                                                                   StaffState]:
    session = await signed_in(make_core, email, "demo-staff", device)
    account = session.account
    assert account is not None
    state = StaffState()
    state.bind(account.pickups, account.sync, session.dispatcher, account.user.store_id)
    await state.prepare()
    await state.refresh()
    return session, state


def test_a_handover_goes_through_its_steps_and_the_shopper_sees_collected(make_core: MakeCore) -> None:
    async def scenario() -> None:
        shopper = await signed_in(make_core, "anna@example.com", "demo-anna", "phone")
        account = shopper.account
        assert account is not None
        screen = PickupState(pickup_id=ANNA_PICKUP)
        screen.bind(account.pickups, account.sync, shopper.dispatcher)
        await screen.refresh()
        assert screen.pickup is not None and screen.open
        await screen.load_code()
        assert screen.code is not None and screen.code_png and screen.code.short_code == "K7M4Q2"
        assert await screen.check_in()
        await eventually(lambda: account.sync.status.pending == 0)

        staff_session, staff = await tablet(make_core, "counter")
        staff_account = staff_session.account
        assert staff_account is not None
        staff_account.sync.request_sync()
        await eventually(lambda: staff.queue is not None and len(staff.queue.checked_in) == 1)
        assert staff.store is not None and staff.store["name"] == "nahtlos Berlin Mitte"

        assert not await staff.submit_code("nope-0000")
        assert staff.scan_result is not None and staff.scan_result.outcome == SCAN_UNKNOWN
        assert await staff.submit_code(screen.code.token)  # scanned from the shopper's phone
        draft = staff.draft
        assert draft is not None and draft.step == STEP_ITEMS and draft.recipient_name == "Anna Schmidt"
        assert draft.steps == (STEP_ITEMS, STEP_AGE, STEP_PROOF)  # wine and a knife: ID check first
        draft.next()
        assert draft.step == STEP_AGE
        draft.next()
        assert (draft.step, draft.error) == (STEP_AGE, "age_check_required")
        draft.set_age_check(True)
        draft.next()
        assert draft.step == STEP_PROOF
        assert not await staff.confirm_handover()
        assert draft.error == ITEMS_NOT_CONFIRMED
        draft.set_items_complete(True)
        draft.add_stroke([(0, 0), (150, 40), (300, 80)], width=300, height=80)
        assert draft.strokes == [[(0, 0), (500, 500), (1000, 1000)]]
        assert await staff.confirm_handover()
        assert draft.step == STEP_DONE and draft.handover_id
        await eventually(lambda: staff.queue is not None and len(staff.queue.handed_over_today) == 1)

        await eventually(lambda: staff_account.sync.status.pending == 0)
        account.sync.request_sync()
        await eventually(lambda: screen.pickup is not None and screen.pickup["status"] == "handed_over")
        assert screen.pickup["handed_over_by"] == "Jonas Weber" and not screen.open

        for state in (screen, staff):
            state.unbind()
        await staff_session.sign_out()
        await shopper.sign_out()

    run(scenario)


def test_the_late_tablet_learns_who_handed_over_and_when(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        s1, first = await tablet(make_core, "counter")
        s2, second = await tablet(make_core, "back-office")
        network.online = False
        for state in (first, second):
            assert await state.submit_code("K7M4Q2")
            draft = state.draft
            assert draft is not None
            draft.set_age_check(True)
            draft.set_items_complete(True)
            assert await state.confirm_handover()
        network.online = True
        for session in (s1, s2):
            assert session.account is not None
            session.account.sync.request_sync()
        await eventually(lambda: bool(first.refusals) or bool(second.refusals))
        await eventually(lambda: all(r.by for r in first.refusals + second.refusals))
        late = first if first.refusals else second
        (refusal,) = late.refusals
        assert refusal.code == "already_handed_over" and refusal.by == "Jonas Weber" and refusal.at is not None
        assert not await late.submit_code("K7M4Q2")
        assert late.scan_result is not None and late.scan_result.outcome == SCAN_ALREADY
        await late.dismiss_refusal(refusal.rejection_id)
        assert late.refusals == []
        for state, session in ((first, s1), (second, s2)):
            state.unbind()
            await session.sign_out()

    run(scenario)


def test_mark_ready_notifies_the_shopper_live(make_core: MakeCore) -> None:
    async def scenario() -> None:
        shopper = await signed_in(make_core, "ben@example.com", "demo-ben", "phone")
        account = shopper.account
        assert account is not None
        notes = NotificationsState()
        notes.bind(account.notifications, account.sync, shopper.dispatcher)
        await notes.refresh()
        assert notes.loaded and notes.fresh is None  # what was there before is not news

        staff_session, staff = await tablet(make_core, "hamburg", "staff.ham@example.com")
        assert staff.queue is not None and [e.pickup["id"] for e in staff.queue.to_prepare] == [BEN_PICKUP]
        assert await staff.mark_ready(BEN_PICKUP)
        assert [e.pickup["id"] for e in staff.queue.ready] == [BEN_PICKUP]
        assert staff_session.account is not None
        await eventually(lambda: staff_session.account is not None and staff_session.account.sync.status.pending == 0)

        account.sync.request_sync()
        await eventually(lambda: notes.fresh is not None)
        assert notes.fresh is not None and notes.fresh["kind"] == "pickup_ready" and notes.unseen == 1
        assert notes.items[0]["id"] == notes.fresh["id"]
        notes.mark_seen()
        assert notes.fresh is None and notes.unseen == 0
        notes.unbind()
        staff.unbind()
        await staff_session.sign_out()
        await shopper.sign_out()

    run(scenario)


def test_a_handover_after_a_cancellation_is_followed_up_and_resolved(
        make_core: MakeCore, network: Network, server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        session, staff = await tablet(make_core, "counter")
        network.online = False  # the store's Wi-Fi is down during the handover
        assert await staff.submit_code("K7M4Q2")
        draft = staff.draft
        assert draft is not None
        draft.set_age_check(True)
        draft.set_items_complete(True)
        assert await staff.confirm_handover()
        with server[1].write() as db:  # meanwhile the office cancelled the order
            db.get_one(Pickup, ANNA_PICKUP).status = "cancelled"
        network.online = True
        account = session.account
        assert account is not None
        account.sync.request_sync()
        await eventually(lambda: staff.queue is not None and bool(staff.queue.follow_up))
        assert staff.queue is not None
        (entry,) = staff.queue.follow_up
        (exception,) = entry.pickup["exceptions"]
        assert (exception["reason"], exception["by"]) == ("cancelled", "Jonas Weber")

        network.online = False
        assert await staff.resolve_exception(exception["id"], "goods_returned")
        (entry,) = staff.queue.follow_up  # still listed, marked as resolved but not synced
        assert entry.pickup["exceptions"][0]["_resolution"] == "goods_returned"
        network.online = True
        account.sync.request_sync()
        await eventually(lambda: staff.queue is not None and not staff.queue.follow_up)
        with server[1].read() as db:
            record = db.get_one(PickupHandover, exception["id"])
            assert (record.resolution, record.resolved_by) == ("goods_returned", "Jonas Weber")
        staff.unbind()
        await session.sign_out()

    run(scenario)
