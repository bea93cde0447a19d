"""The local SQLite cache: engine, tables, outbox and the page applier. Repository
functions take a connection or session first and never commit; callers own the transaction."""
