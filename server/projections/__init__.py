"""Projections: turn domain rows into wire payloads (app.protocol.entities) and stage them
in the change log for every scope that shows them. One module per feature; mutators and the
seed call `publish_*` after changing rows."""
