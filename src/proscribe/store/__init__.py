"""The one place that talks to a database (SQLAlchemy 2, Alembic migrations)."""
