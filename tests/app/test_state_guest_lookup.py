"""Guest lookup state: the reduced view for the right email, one answer for every "no"."""

from collections.abc import Callable

import pytest

from app.state.guest_lookup import (
    INVALID_EMAIL,
    MISSING_FIELDS,
    NOT_FOUND,
    OFFLINE,
    GuestLookupState,
)
from services.client import ClientCore
from tests.app.test_state import run
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]


def test_right_number_and_email_show_the_order(make_core: MakeCore) -> None:
    async def scenario() -> None:
        state = GuestLookupState(client=make_core("kiosk"))
        assert await state.lookup(" NA-100280 ", "clara.wagner@example.com ")
        assert state.order is not None and (state.order.number, state.error, state.busy) == ("NA-100280", None, False)
        assert [p.tracking_number for p in state.order.parcels] == ["00340434161234580280"]
        state.clear()
        assert (state.order, state.error) == (None, None)

    run(scenario)


@pytest.mark.parametrize(("number", "email"), [
    ("NA-100280", "anna@example.com"),  # a real order, another address
    ("NA-999999", "clara.wagner@example.com"),  # a real address, no such order
    ("NA-100280-TOO-LONG-FOR-ANY-ORDER", "clara.wagner@example.com"),  # refused by validation
])
def test_every_miss_reads_the_same(make_core: MakeCore, number: str, email: str) -> None:
    async def scenario() -> None:
        state = GuestLookupState(client=make_core("kiosk"))
        assert not await state.lookup(number, email)
        assert (state.order, state.error, state.busy) == (None, NOT_FOUND, False)

    run(scenario)


def test_form_errors_and_offline(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        state = GuestLookupState(client=make_core("kiosk"))
        assert not await state.lookup("", "clara.wagner@example.com")
        assert state.error == MISSING_FIELDS
        assert not await state.lookup("NA-100280", "clara")
        assert state.error == INVALID_EMAIL
        assert network.requests == 0
        network.online = False
        assert not await state.lookup("NA-100280", "clara.wagner@example.com")
        assert state.error == OFFLINE

    run(scenario)
