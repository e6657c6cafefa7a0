"""Alembic environment: migrations run on the connection proscribe hands in."""

from alembic import context

from proscribe.store.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("proscribe runs its migrations itself: use proscribe.store.db.upgrade")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
