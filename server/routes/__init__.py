"""HTTP routes, one module per feature, mounted under /api/v1 by `server.main.create_app`."""
