"""Backups of the desk: its database and its evidence store, in one archive with a manifest."""
