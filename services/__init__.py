"""I/O and business rules on the client. Never imports flet, views or app.state."""
