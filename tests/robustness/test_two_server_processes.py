"""Scale-out: two `python -m server` processes on one PostgreSQL database, as behind a load balancer.

A shopper's device listening on one process is poked for a write that landed on the other
(LISTEN/NOTIFY, server.sync.cluster_pokes), and concurrent pushes to both processes get unique,
gap-free seqs that every pull lists in order. Failed sign-ins spread over both processes, one
after the other or all at once, brake an account at the total one process allows (the shared
`rate_limit` table, server.ratelimit_postgres), and a restarted process still brakes it.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.protocol import API_PREFIX
from server.ratelimit import LOGIN_RULES
from tests.conftest import SeededTemplate
from tests.robustness.support import ANNA, BEN, Server
from tests.server.device import Device

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
WRITES_PER_PROCESS = 40
ACCOUNT_LIMIT = LOGIN_RULES["account"].limit


@pytest.fixture
def clients() -> Any:
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


def device(server: Server, template: SeededTemplate, email: str, clients: list[httpx.Client]) -> Device:
    http = httpx.Client(base_url=server.url, timeout=30)
    clients.append(http)
    return Device(http, template.sessions[email])  # type: ignore[arg-type]


def listen(server: Server, token: str, pokes: queue.Queue[dict[str, Any]], connected: threading.Event,
           stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    try:
        with httpx.Client(base_url=server.url, timeout=httpx.Timeout(30, read=None)) as http, \
                http.stream("GET", API_PREFIX + "/sync/events", headers=headers) as response:
            event = None
            for line in response.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "poke":
                    pokes.put(json.loads(line.removeprefix("data: ")))
                if stop.is_set():
                    return
    except httpx.HTTPError:
        if not stop.is_set():  # the server going away at the end of the test is expected
            raise


@pytest.fixture
def two_processes(postgres_template: SeededTemplate, tmp_path: Path) -> Any:
    assert postgres_template.postgres is not None
    postgres_template.postgres.refill()
    env = {"NAHTLOS_DATABASE_URL": postgres_template.postgres.url}
    with Server(tmp_path / "unused.sqlite", tmp_path / "a.log", env) as a, \
            Server(tmp_path / "unused.sqlite", tmp_path / "b.log", env) as b:
        yield a, b


def test_a_write_on_one_process_pokes_a_listener_on_the_other(two_processes: tuple[Server, Server],
                                                              postgres_template: SeededTemplate,
                                                              clients: list[httpx.Client]) -> None:
    a, b = two_processes
    pokes: queue.Queue[dict[str, Any]] = queue.Queue()
    connected, stop = threading.Event(), threading.Event()
    token = postgres_template.sessions[ANNA]["access_token"]
    listener = threading.Thread(target=listen, args=(b, token, pokes, connected, stop), daemon=True)
    listener.start()
    assert connected.wait(30)
    phone = device(a, postgres_template, ANNA, clients)
    time.sleep(1.0)  # process B's LISTEN starts with its lifespan; give it a moment past /health

    seqs = []
    for number in range(3):
        result = phone.send("profile.update", {"name": f"Anna Schmidt {number}"})
        assert result["status"] == "ok"
        seqs.append(result["seq"])
        poke = pokes.get(timeout=5)  # through process B, although the write went to A
        assert poke["seq"] >= result["seq"] and poke["scopes"] == [phone.scope]
    # Ben's write on A must not poke anna's listener on B.
    assert device(a, postgres_template, BEN, clients).send("profile.update", {"name": "Ben B."})["status"] == "ok"
    time.sleep(1.0)
    assert pokes.empty()
    stop.set()
    phone.send("profile.update", {"name": "Anna Schmidt"})  # one more poke wakes the listener to stop
    listener.join(10)


def test_concurrent_pushes_to_both_processes_keep_one_seq_order(two_processes: tuple[Server, Server],
                                                               postgres_template: SeededTemplate,
                                                               clients: list[httpx.Client]) -> None:
    a, b = two_processes
    phones = [device(server, postgres_template, ANNA, clients) for server in (a, b)]

    def write(phone: Device) -> list[int]:
        seqs = []
        for _ in range(WRITES_PER_PROCESS):
            thread_id = str(uuid.uuid4())
            result = phone.send("thread.create", {"thread_id": thread_id, "subject": "Parallel"})
            assert result["status"] == "ok", result
            seqs.append(result["seq"])
        return seqs

    with ThreadPoolExecutor(2) as pool:
        written = [s for seqs in pool.map(write, phones) for s in seqs]
    assert len(set(written)) == len(written) == 2 * WRITES_PER_PROCESS  # no seq given twice
    for server in (a, b):  # a fresh device on either process lists every write once, in seq order
        listed = [c["seq"] for c in device(server, postgres_template, ANNA, clients).changes()]
        assert listed == sorted(listed)  # a mutation's rows share its seq
        assert set(written) <= set(listed)


def sign_in(server: Server, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        return http.post(API_PREFIX + "/auth/login", json={"email": email, "password": password})


def assert_braked(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response.headers["retry-after"]) <= LOGIN_RULES["account"].window_s + 1


def test_failed_sign_ins_on_both_processes_brake_at_one_total_and_survive_a_restart(
        two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    for attempt in range(ACCOUNT_LIMIT):  # the limit, spread over both processes
        assert sign_in((a, b)[attempt % 2], BEN, f"guess-{attempt}").status_code == 401

    for server in (a, b):  # the next attempt is refused on either process, even with the right password
        assert_braked(sign_in(server, BEN, "demo-ben"))
    assert sign_in(b, ANNA, "demo-anna").status_code == 200  # other accounts sign in as usual

    a.stop()
    a.restart()
    assert_braked(sign_in(a, BEN, "demo-ben"))  # the restarted process did not forget


def test_parallel_guesses_on_both_processes_get_exactly_the_limit(two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    guesses = 3 * ACCOUNT_LIMIT

    def guess(attempt: int) -> int:
        return sign_in((a, b)[attempt % 2], BEN, f"guess-{attempt}").status_code

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(guesses)))

    assert answers.count(401) == ACCOUNT_LIMIT  # each checked against the password: not one more
    assert answers.count(429) == guesses - ACCOUNT_LIMIT
    assert_braked(sign_in(b, BEN, "demo-ben"))
