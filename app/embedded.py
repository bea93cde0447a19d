"""The embedded server: the real backend on SQLite in the user's data folder, with demo data,
on a free local port, in a background thread. Lets one command show the whole product.

Several app processes on one data folder (the shopper app, the kiosk and the staff tablet
started side by side) share one embedded server: the first writes its address to
`embedded-server.url`, the others join it while it answers. One server means one poke hub, so
"ready for pickup" on the tablet reaches the shopper's window live, not at the next timer.
"""

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


MARKER = "embedded-server.url"


def _answers(url: str) -> bool:
    try:
        response = httpx.get(f"{url}/api/v1/health", timeout=2)
        return response.status_code == 200 and "epoch" in response.json()
    except (httpx.HTTPError, ValueError):
        return False


def start_or_join_embedded_server(data_dir: Path) -> str:
    """The embedded server of this data folder: the running one if another process has it, else a new one."""
    marker = data_dir / MARKER
    if marker.exists():
        url = marker.read_text(encoding="utf-8").strip()
        if url and _answers(url):
            return url
    url = start_embedded_server(data_dir)
    marker.write_text(url + "\n", encoding="utf-8")
    return url


def start_embedded_server(data_dir: Path, host: str = "127.0.0.1", port: int | None = None) -> str:
    """Start the server (migrate, seed the demo once) and return its base URL when it answers."""
    # Imported here: only this path needs the server's packages; a client pointed at a
    # remote API (--api) never loads them.
    from server.config import ServerSettings
    from server.db import Database
    from server.main import create_app
    from server.seed import seed_demo

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = ServerSettings(database_url=f"sqlite:///{data_dir / 'embedded-server.sqlite'}")
    db = Database(settings.resolved_database_url())
    app = create_app(settings, db=db)
    seed_demo(db)
    port = port or free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1, lifespan="on"))
    threading.Thread(target=server.run, name="nahtlos-embedded-server", daemon=True).start()
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return url
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the embedded server did not answer on {url}")
