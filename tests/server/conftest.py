"""The real server app in process (FastAPI TestClient) on a fresh seeded database per test.

Fixtures from tests/conftest.py give the database (`db`, parametrized over SQLite and
PostgreSQL); here come the app, the HTTP client and signed-in demo devices.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from tests.server.device import DEMO_EMAILS, Device

MakeDevice = Callable[..., Device]


@pytest.fixture
def app(settings: ServerSettings, db: Database) -> FastAPI:
    return create_app(settings, db=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # raise_server_exceptions stays on: an unhandled error fails the test with its traceback.
    with TestClient(app) as http:
        yield http


@pytest.fixture
def demo_sessions(demo_logins: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Login answers made while building the template, keyed by short name (anna, staff.ber...)."""
    return {name: demo_logins[email] for name, email in DEMO_EMAILS.items()}


@pytest.fixture
def device(client: TestClient, demo_sessions: dict[str, dict[str, Any]]) -> MakeDevice:
    """`device("anna")`: a new device of a demo account (its own client id), already signed in."""

    def make(name: str, client_id: str | None = None) -> Device:
        return Device(client, demo_sessions[name], client_id)

    return make


@pytest.fixture
def anna(device: MakeDevice) -> Device:
    return device("anna")


@pytest.fixture
def ben(device: MakeDevice) -> Device:
    return device("ben")
