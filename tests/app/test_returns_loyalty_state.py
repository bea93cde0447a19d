"""Returns and loyalty state driven like the views drive them: the new-return form for each
journey, the returns list, the loyalty card (renewed online, kept offline) and redeeming."""

import asyncio
import io
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from PIL import Image

from app.state import SessionState, UiDispatcher
from app.state.return_draft import (
    DESCRIPTION_MISSING,
    NO_ITEMS,
    REASON_MISSING,
    REMEDY_MISSING,
)
from server.db import Database
from services.client import ClientCore
from tests.server.shopper import item_id, order_id, reward_id
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]
NA_5_DAYS, NA_40_DAYS = order_id("NA-100231"), order_id("NA-100198")
SHIRT, CHINOS, KETTLE = item_id("NA-100231", 0), item_id("NA-100231", 1), item_id("NA-100198", 0)


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=90))


async def signed_in(make_core: MakeCore, device: str = "phone") -> SessionState:
    session = SessionState(client=make_core(device), dispatcher=UiDispatcher.for_running_loop())
    assert await session.sign_in("anna@example.com", "demo-anna")
    await eventually(lambda: session.returns.loaded and len(session.returns.orders) == 7)
    await eventually(lambda: session.loyalty.loaded and session.loyalty.account is not None)
    return session


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 90, 60)).save(out, format="PNG")
    return out.getvalue()


def test_withdrawal_form_confirms_and_the_list_shows_it(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        startable = {p.number for p in session.returns.startable}
        assert {"NA-100231", "NA-100198", "NA-100260"} <= startable and "NA-100240" not in startable

        draft = session.returns.new_draft(NA_5_DAYS)
        await draft.load()
        draft.start_withdrawal()
        assert draft.confirming and all(c.selected for c in draft.lines.values())  # the whole contract
        draft.toggle(SHIRT, False)
        submitted = await draft.submit()
        assert submitted is not None and submitted.kind == "withdrawal" and len(submitted.return_ids) == 1
        assert await draft.submit() is None  # a second press sends nothing

        await eventually(lambda: session.returns.find(submitted.return_ids[0]) is not None)
        await eventually(lambda: session.returns.find(submitted.return_ids[0]).status == "qr_issued")  # type: ignore[union-attr]
        made = session.returns.find(submitted.return_ids[0])
        assert made is not None and made.order_number == "NA-100231"
        assert [line.name for line in made.lines] == ["Chino Slim Fit"]
        assert made.qr_token and [s.status for s in made.steps][:3] == ["requested", "approved", "qr_issued"]
        await session.sign_out()

    run(scenario)


def test_return_form_checks_choices_and_splits_refunds_from_exchanges(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        draft = session.returns.new_draft(NA_5_DAYS)
        await draft.load()
        draft.choose("return")
        assert not any(c.selected for c in draft.lines.values())
        assert await draft.submit() is None and draft.errors == [NO_ITEMS]
        draft.toggle(SHIRT, True)
        draft.toggle(CHINOS, True)
        assert draft.validate() == [REASON_MISSING]
        draft.set_reason(SHIRT, "too_small")
        draft.set_exchange(SHIRT, "Hellblau, L")
        draft.set_reason(CHINOS, "quality")
        draft.set_refund_method("store_credit")
        draft.set_comment("Bitte Hemd in L")
        submitted = await draft.submit()
        assert submitted is not None and len(submitted.return_ids) == 2

        await eventually(lambda: all(session.returns.find(i) is not None for i in submitted.return_ids))
        found = [session.returns.find(i) for i in submitted.return_ids]
        made = {r.kind: r for r in found if r is not None}
        assert len(made) == 2
        assert made["exchange"].lines[0].exchange_variant == "Hellblau, L"
        assert made["return"].refund_method == "store_credit"
        assert made["exchange"].comment == made["return"].comment == "Bitte Hemd in L"
        await session.sign_out()

    run(scenario)


def test_warranty_form_needs_a_description_and_remedy_and_uploads_photos(make_core: MakeCore,
                                                                         network: Network) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        draft = session.returns.new_draft(NA_40_DAYS)
        await draft.load()
        assert draft.preview is not None and not draft.preview.allows("withdrawal")
        draft.choose("warranty_claim")
        assert draft.validate() == [NO_ITEMS, DESCRIPTION_MISSING, REMEDY_MISSING]

        assert not await draft.add_photo("notes.txt", b"just text")
        assert draft.photo_error == "unsupported_media_type"
        network.online = False
        assert not await draft.add_photo("defect.png", png())
        assert draft.photo_error == "offline"
        network.online = True
        assert await draft.add_photo("defect.png", png()) and draft.photo_error is None
        assert len(draft.photos) == 1

        draft.toggle(KETTLE, True)
        draft.set_comment("Heizt nicht mehr")
        draft.set_remedy("replacement")
        submitted = await draft.submit()
        assert submitted is not None
        await eventually(lambda: session.returns.find(submitted.return_ids[0]) is not None
                         and not session.returns.find(submitted.return_ids[0]).pending)  # type: ignore[union-attr]
        claim = session.returns.find(submitted.return_ids[0])
        assert claim is not None and (claim.status, claim.remedy, claim.attachment_count) == ("requested", "replacement", 1)
        await session.sign_out()

    run(scenario)


def test_edit_and_cancel_from_the_detail(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        draft = session.returns.new_draft(NA_5_DAYS)
        await draft.load()
        draft.choose("return")
        draft.toggle(CHINOS, True)
        draft.set_reason(CHINOS, "changed_mind")
        submitted = await draft.submit()
        assert submitted is not None
        rid = submitted.return_ids[0]
        await eventually(lambda: (r := session.returns.find(rid)) is not None and r.editable)

        assert await session.returns.update(rid, comment="Farbe passt nicht")
        assert not await session.returns.update(rid, comment="Farbe passt nicht")  # nothing changed
        await eventually(lambda: (r := session.returns.find(rid)) is not None and r.comment == "Farbe passt nicht"
                         and not r.pending)
        await session.returns.cancel(rid)
        await eventually(lambda: (r := session.returns.find(rid)) is not None and r.status == "cancelled")
        await session.sign_out()

    run(scenario)


def test_loyalty_card_renews_online_and_stays_usable_offline(make_core: MakeCore, network: Network,
                                                            server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        loyalty = session.loyalty
        # Renewed in the background once the first sync is through, before anyone opens the tab.
        await eventually(lambda: loyalty.card is not None and loyalty.qr is not None)
        assert loyalty.card_valid and loyalty.qr is not None and loyalty.qr.startswith(b"\x89PNG")
        first = loyalty.card.token  # type: ignore[union-attr]
        await loyalty.keep_card_fresh(force=True)
        assert loyalty.card is not None and loyalty.card.token != first and loyalty.card_error is None

        network.online = False
        await loyalty.keep_card_fresh(force=True)
        assert loyalty.card_error == "offline" and loyalty.card_valid  # the last token still works
        await session.sign_out()
        assert loyalty.card is None and loyalty.qr is None  # nothing of the account stays on screen

    run(scenario)


def test_redeeming_shows_pending_then_the_code(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        loyalty = session.loyalty
        assert loyalty.tier is not None and loyalty.series[-1][1] == 1173
        network.online = False
        voucher = reward_id("voucher-5")
        redemption = await loyalty.redeem(voucher)
        assert redemption is not None
        await eventually(lambda: loyalty.code_for(voucher) == (None, True))  # queued: no code yet
        assert loyalty.account is not None and loyalty.account["balance"] == 1173 - 250
        network.online = True
        await session.sync.sync_now()

        def done() -> bool:
            code, pending = loyalty.code_for(voucher)
            return code is not None and not pending

        await eventually(done, timeout=20)
        assert loyalty.account is not None and loyalty.account["balance"] == 1173 - 250
        await session.sign_out()

    run(scenario)
