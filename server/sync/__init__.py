"""Server side of sync protocol v1: the change log, pull, push and pokes."""
