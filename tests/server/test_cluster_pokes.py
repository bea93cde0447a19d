"""Pokes between server processes on one PostgreSQL (LISTEN/NOTIFY): two hubs in one test stand
for two processes; each has its own listeners, as each process has its own SSE connections."""

import asyncio
import json
import threading

import pytest

from app.protocol.sync import Poke
from server.db import Database
from server.sync.cluster_pokes import CHANNEL, ClusterPokeHub, is_postgres, libpq_url
from tests.conftest import SeededTemplate

pytestmark = pytest.mark.postgres


def test_urls() -> None:
    assert is_postgres("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert not is_postgres("sqlite:///x.sqlite")
    assert libpq_url("postgresql+psycopg://postgres@127.0.0.1:5432/test") == "postgresql://postgres@127.0.0.1:5432/test"


def test_a_poke_reaches_the_other_process_once_and_only_its_scopes(postgres_template: SeededTemplate) -> None:
    assert postgres_template.postgres is not None
    database = Database(postgres_template.postgres.url)
    first, second = ClusterPokeHub(database.engine), ClusterPokeHub(database.engine)
    for hub in (first, second):
        hub.start()
    try:
        assert first.wait_listening() and second.wait_listening()

        async def scenario() -> None:
            here, there = first.subscribe({"user:1"}), second.subscribe({"user:1", "store:BER-01"})
            elsewhere = second.subscribe({"user:2"})
            # A push publishes from FastAPI's thread pool after its commit.
            await asyncio.to_thread(first.publish, ["user:1", "agents"], 41)
            assert await asyncio.wait_for(there.get(), 5) == Poke(scopes=["user:1"], seq=41)
            assert await asyncio.wait_for(here.get(), 5) == Poke(scopes=["user:1"], seq=41)
            await asyncio.sleep(0.5)
            assert here.empty() and there.empty() and elsewhere.empty()  # once each; not user:2
            with database.engine.connect() as conn:  # garbage on the channel is ignored
                conn.exec_driver_sql(f"NOTIFY {CHANNEL}, 'not json'")
                conn.exec_driver_sql(f"NOTIFY {CHANNEL}, '{json.dumps({'o': 'x', 's': ['*'], 'q': 42})}'")
                conn.commit()
            assert await asyncio.wait_for(elsewhere.get(), 5) == Poke(scopes=["user:2"], seq=42)  # "*": everyone

        asyncio.run(scenario())
    finally:
        for hub in (first, second):
            hub.stop()
        database.dispose()
    assert not any(t.name == "poke-listener" and t.is_alive() for t in threading.enumerate())
