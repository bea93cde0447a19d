"""A minimal HTTP/1.1 load generator on asyncio streams (keep-alive, one request in flight per connection).

httpx tops out far below the server, so the load benchmarks use this instead. Each
connection sends a pre-built request again and again for a fixed time and records the
latency of every answer; anything but the expected status counts as an error.
"""

import asyncio
import time
from dataclasses import dataclass, field


def build_request(method: str, path: str, host: str, headers: dict[str, str] | None = None,
                  body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_in: int = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Status and body length of one response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            total += size
            if size == 0:
                return status, total
    await reader.readexactly(max(0, length))
    return status, len(head) + max(0, length)


async def _connection(host: str, port: int, requests: list[bytes], until: float, result: Result,
                      expect: int, offset: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        n = offset
        while time.perf_counter() < until:
            request = requests[n % len(requests)]
            n += 1
            started = time.perf_counter()
            writer.write(request)
            status, size = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.bytes_in += size
            if status != expect:
                result.errors += 1
    finally:
        writer.close()


async def _run(host: str, port: int, requests_per_conn: list[list[bytes]], seconds: float, expect: int) -> Result:
    result = Result()
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(host, port, reqs, until, result, expect, i)
                           for i, reqs in enumerate(requests_per_conn)))
    return result


def hammer(host: str, port: int, requests_per_conn: list[list[bytes]], seconds: float, expect: int = 200) -> Result:
    """Run one connection per entry of `requests_per_conn` (each cycling its requests) for `seconds`."""
    try:
        import uvloop
        return uvloop.run(_run(host, port, requests_per_conn, seconds, expect))
    except ImportError:
        return asyncio.run(_run(host, port, requests_per_conn, seconds, expect))
