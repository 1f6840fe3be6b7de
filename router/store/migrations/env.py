"""Alembic environment: runs migrations on a connection handed over by code.

There is no alembic.ini and no offline (SQL script) mode: ``router.store.
migrate.upgrade`` configures Alembic in code and passes an open connection,
already inside the transaction and lock it chose, in
``config.attributes["connection"]``.
"""

from alembic import context

from router.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through router.store.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    compare_type=True,
    # SQLite can only change most things by copying the table.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
