"""Fixtures for the i18n and state tests.

State is tested against real collaborators: a `ClientCore` on a temporary folder talking
to the real server in process; only the network in between is simulated (`Network`).
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.i18n import Translators, compile_catalogs
from server.db import Database
from services.client import ClientCore
from tests.support.network import Network
from tests.support.servers import fresh_app, seeded_template

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


@pytest.fixture(scope="session")
def translators() -> Translators:
    compile_catalogs(LOCALES_DIR)
    return Translators(LOCALES_DIR)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def server(template_db: Path, tmp_path: Path) -> Iterator[tuple[FastAPI, Database]]:
    app, db = fresh_app(template_db, tmp_path)
    yield app, db
    db.dispose()


@pytest.fixture
def network(server: tuple[FastAPI, Database]) -> Network:
    return Network(server[0])


def _no_event_stream(request: httpx.Request) -> httpx.Response:
    # Pokes are an optimisation; without them the engine still syncs on writes and timers.
    raise httpx.ConnectError("no event stream in tests", request=request)


@pytest.fixture
def make_core(network: Network, tmp_path: Path) -> Iterator[object]:
    """`make_core(device="phone")`: a device's ClientCore wired through the test network."""
    clients: list[httpx.Client] = []

    def make(device: str = "phone") -> ClientCore:
        http = network.client()
        stream = httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(_no_event_stream))
        clients.extend([http, stream])
        return ClientCore("http://testserver", tmp_path / "client", device, http=http, stream_http=stream)

    yield make
    for client in clients:
        client.close()
