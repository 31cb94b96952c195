"""The schema migrates up and down on every database backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from dorsum.storage.database import make_engine
from dorsum.storage.migrate import downgrade, upgrade
from dorsum.storage.tables import Base
from tests.web.conftest import POSTGRES


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_upgrade_downgrade_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    """Head creates every table, base removes them, and head works again."""
    if backend == "postgresql":
        if POSTGRES is None:
            pytest.skip("set DORSUM_TEST_DATABASE_URL to test PostgreSQL (CI does)")
        url = POSTGRES
    else:
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    expected = {table.name for table in Base.metadata.sorted_tables}
    upgrade(url)
    assert _tables(url) == expected
    downgrade(url)
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) == expected


def test_the_models_match_the_migrations(tmp_path: Path) -> None:
    """No model change is left without a migration (Alembic autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'compare.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
