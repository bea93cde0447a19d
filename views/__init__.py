"""Flet UI only: read state, call state methods, translate strings. Entry: `views.shell.mount`."""
