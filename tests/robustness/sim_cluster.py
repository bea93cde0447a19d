"""The sync simulation's server side as deployed: two `python -m server` processes on one PostgreSQL.

`Balancer` stands where the load balancer stands: device links (tests/support/network.py)
deliver through it, so the transport faults stay where they were, and every request goes to
either process, no sticky sessions. `TwoProcesses` owns the processes for a whole test (starting
them costs seconds; a restart is a fork, see support.py) and is the `SimServer` of each example:
it puts the seeded data back, kills and restarts processes, and keeps snapshots as copies of the
tables in a schema of the same database (`PostgresCopies.save`/`load`, as the seed is kept),
restored with both processes down, as an operator restores a backup. The tables and their
sequences are the whole state a restore has to bring back (the schema's migration stamp does
not change in a run). `CREATE DATABASE ... TEMPLATE` would copy the same, but only with no
connection at all to the source and by writing the whole catalog to the WAL (0.3-0.6 s here);
a table copy takes 0.1 s, a put-back 0.02 s.
"""

import threading
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from server.db import Database
from server.faults import KILL_AFTER_PUSH
from tests.conftest import PostgresCopies
from tests.robustness.support import Server
from tests.support.network import Sent

SNAPSHOT_SCHEMA = "sim_snapshot"
# Headers that describe the hop, not the answer: httpx sets them again for the device.
_HOP = frozenset({"host", "content-length", "content-encoding", "transfer-encoding", "connection"})


class Balancer:
    """Spreads requests over the processes, like a load balancer without sticky sessions.

    A request goes to the process the next entry of `routes` names (the simulation draws them
    with each step, so Hypothesis replays the same routing); once they run out, round robin. A
    process that refuses the connection (it is down) is skipped for the next one, as nginx's
    `proxy_next_upstream error` does; with every process down the answer is 502 (the client:
    offline). A duplicated request reaches both processes at the same moment, the one case in
    the simulation where two processes race for the same client's row.
    """

    def __init__(self, servers: Sequence[Server]) -> None:
        self.servers = servers
        self.online = True
        self.requests = 0
        self.routes: deque[int] = deque()
        self.routed: Counter[int] = Counter()  # answers per process
        self._turn = 0
        self._lock = threading.Lock()  # two devices may sync at once
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="balancer")
        self._http = [self._connect(server) for server in servers]

    @staticmethod
    def _connect(server: Server) -> httpx.Client:
        return httpx.Client(base_url=server.url, timeout=30)

    def reconnect(self, index: int) -> None:
        """Forget the connections to a process that was restarted (they point at the dead one)."""
        old, self._http[index] = self._http[index], self._connect(self.servers[index])
        old.close()

    def _pick(self) -> int:
        with self._lock:
            if self.routes:
                return self.routes.popleft() % len(self.servers)
            self._turn += 1
            return self._turn % len(self.servers)

    def _send(self, first: int, sent: Sent) -> httpx.Response | httpx.TransportError:
        for k in range(len(self.servers)):
            index = (first + k) % len(self.servers)
            headers = {name: value for name, value in sent.headers.items() if name.lower() not in _HOP}
            try:
                response = self._http[index].request(sent.method, sent.target, headers=headers, content=sent.body)
            except httpx.ConnectError:
                continue  # down: nothing was sent, so the next process may have it
            except httpx.TransportError as exc:
                return exc  # the process died with the request: the answer is lost, the effect may not be
            with self._lock:
                self.routed[index] += 1
            answer = {name: value for name, value in response.headers.items() if name.lower() not in _HOP}
            return httpx.Response(response.status_code, headers=answer, content=response.content)
        return httpx.Response(502, json={"code": "bad_gateway", "message": "no server process is up"})

    def forward_all(self, copies: Sequence[Sent]) -> list[httpx.Response | httpx.TransportError]:
        first = self._pick()
        with self._lock:
            self.requests += len(copies)
        if len(copies) == 1:
            return [self._send(first, copies[0])]
        # Copies go to different processes at once: they race for the client row's lock.
        futures = [self._pool.submit(self._send, first + k, sent) for k, sent in enumerate(copies)]
        return [future.result() for future in futures]

    def _observe(self, request: httpx.Request) -> httpx.Response:
        outcome = self.forward_all([Sent.of(request)])[0]
        if isinstance(outcome, httpx.TransportError):
            raise outcome
        return outcome

    def client(self) -> httpx.Client:
        """A fault-free client through the balancer (the checks' own pulls)."""
        return httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(self._observe))

    def close(self) -> None:
        self._pool.shutdown()
        for http in self._http:
            http.close()


class TwoProcesses:
    """Two server processes on one PostgreSQL database (`copies`, the test's own), for a whole test.

    Each process runs with the crash hook of server/faults.py pointed at its own arm file:
    `restart` with `pick % 4 == 3` arms one, and the next push that process commits is its last
    (it dies before answering). A supervisor (`supervise`, before every step) starts what died.
    """

    def __init__(self, copies: PostgresCopies, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        self.copies = copies
        self.arms = [directory / f"crash-{n}" for n in range(2)]
        self.servers = [Server(directory / "unused.sqlite", directory / f"server-{n}.log",
                               {"NAHTLOS_DATABASE_URL": copies.url, KILL_AFTER_PUSH: str(self.arms[n])}, prefork=True)
                        for n in range(2)]
        try:
            self._start(range(2))
        except BaseException:
            for server in self.servers:
                server.stop()
            raise
        self.network = Balancer(self.servers)
        self.db = Database(copies.url)
        self.events: Counter[str] = Counter()  # kills, crashes, restores: for the report

    # -- processes ---------------------------------------------------------------------------------
    def _start(self, which: Sequence[int] | range) -> None:
        for n in which:  # launch all first: they start side by side
            self.servers[n].proc = None
            self.servers[n].launch()
        for n in which:
            self.servers[n].start()

    def _kill(self, which: Sequence[int]) -> None:
        for n in which:
            server = self.servers[n]
            assert server.proc is not None
            if server.proc.poll() is None:
                server.proc.kill()
            server.proc.wait(10)

    def _restart(self, which: Sequence[int]) -> None:
        self._start(which)
        for n in which:
            self.network.reconnect(n)

    def _down(self) -> list[int]:
        return [n for n, server in enumerate(self.servers) if server.proc is None or server.proc.poll() is not None]

    def supervise(self) -> None:
        """Start every process that died (a crash armed by `restart`), as systemd would."""
        down = self._down()
        if down:
            self._restart(down)
            self.events["crash_restarted"] += len(down)

    # -- SimServer ------------------------------------------------------------------------------------
    def begin(self) -> "TwoProcesses":
        """A new example: both processes up, nothing armed, the seeded data back."""
        self.heal()
        self.copies.refill()
        self.network.requests = 0
        self.network.routes.clear()
        return self

    @property
    def requests(self) -> int:
        return self.network.requests

    def restart(self, pick: int) -> None:
        """SIGKILL process 0, process 1 or both and start them again; or arm a crash after a push."""
        mode = pick % 4
        if mode == 3:
            self.arms[(pick // 4) % 2].touch()
            self.events["crash_armed"] += 1
            return
        which = [[0], [1], [0, 1]][mode]
        self._kill(which)
        self._restart(which)
        self.events["kill_both" if len(which) == 2 else "kill_one"] += 1

    def snapshot(self) -> None:
        self.copies.save(SNAPSHOT_SCHEMA)

    def restore(self) -> None:
        """Both processes stop, the tables become the snapshot again, both start."""
        self._kill([0, 1])
        self.copies.load(SNAPSHOT_SCHEMA)
        self._restart([0, 1])
        self.events["restores"] += 1

    def heal(self) -> None:
        for arm in self.arms:
            arm.unlink(missing_ok=True)
        self.supervise()

    # The processes write the bot's answers 50 ms after a push (server.sync.follow_ups).
    still_s = 0.3

    def observer(self) -> httpx.Client:
        return self.network.client()

    def close(self) -> None:
        """The end of an example: the processes stay up for the next one."""
        for arm in self.arms:
            arm.unlink(missing_ok=True)

    def figures(self) -> dict[str, int]:
        """What the server side did, for the report: kills, crashes, restores, answers per process."""
        return {**{f"server:{event}": count for event, count in self.events.items()},
                **{f"routed:process{n}": count for n, count in self.network.routed.items()}}

    def stop(self) -> None:
        """The end of the test."""
        self.network.close()
        for server in self.servers:
            server.stop()
        self.db.dispose()
