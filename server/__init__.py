"""The nahtlos backend: FastAPI + SQLAlchemy 2, sync protocol v1. Imports `app.protocol` and nothing else of the client."""
