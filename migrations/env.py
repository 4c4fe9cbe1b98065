"""Alembic environment: the URL comes from bot.db.alembic_config (DATABASE_URL), never from a file."""

from __future__ import annotations

import os

from alembic import context

from bot.db import make_engine
from models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", "sqlite:///liec.db"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # `alembic upgrade` run by hand in the checkout reads DATABASE_URL, as the bot does.
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", "sqlite:///liec.db")
    engine = make_engine(url, bounded=False)
    with engine.connect() as conn:
        # render_as_batch: SQLite can only ALTER tables by copying them.
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
