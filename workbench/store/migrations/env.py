"""Alembic environment: runs on the connection that the store hands over (see ``store.database.migrate``)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True, transaction_per_migration=False)
context.run_migrations()
