"""ASGI entry for multi-worker deployments: `uvicorn server.asgi:app --workers N`."""

from server.main import create_app

app = create_app()
