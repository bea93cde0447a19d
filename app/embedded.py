"""The embedded server: the real backend on SQLite in the user's data folder, with demo data,
on a free local port, in a background thread. Lets one command show the whole product."""

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
