"""The "continue on another device" link that the QR code carries (app/state/handoff.py)."""

import pytest

from app.state.handoff import continue_link

PATH = "/continue?token=NTL1.abc.def"


@pytest.mark.parametrize(("origin", "link"), [
    ("http://127.0.0.1:8550/orders?x=1#top", "http://127.0.0.1:8550" + PATH),
    ("https://shop.example/continue-elsewhere?from=/orders", "https://shop.example" + PATH),
    # Flet's web client reports its WebSocket URL as the page URL: a phone camera needs http(s).
    ("ws://127.0.0.1:8550/ws", "http://127.0.0.1:8550" + PATH),
    ("WSS://shop.example/ws", "https://shop.example" + PATH),
])
def test_the_link_is_a_web_address_on_the_apps_host(origin: str, link: str) -> None:
    assert continue_link(origin, PATH) == link


@pytest.mark.parametrize("origin", [None, "", "not a url"])
def test_without_a_known_origin_the_link_is_the_path(origin: str | None) -> None:
    assert continue_link(origin, PATH) == PATH
