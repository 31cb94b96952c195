"""Storage adapter: SQLAlchemy tables, the engine, Alembic migrations and repositories.

The caller owns the transaction: repository functions add and query, and never commit.
"""
