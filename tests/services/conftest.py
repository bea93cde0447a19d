from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from server.db import Database
from tests.support.network import Network
from tests.support.servers import fresh_app, seeded_template


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
