"""The schema built by the migrations is the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import CheckConstraint, create_engine, inspect, text

from portal import create_app
from portal.extensions import db
from portal.models.append_only import APPEND_ONLY_TABLES
from portal.models.types import render_migration_type
from tests.conftest import TEST_SETTINGS


@pytest.fixture
def migrated_url(tmp_path, database_url):
    """A database made only by `flask db upgrade`: a fresh SQLite file, or a scratch PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options=-csearch_path%3Dmigration_check"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA migration_check CASCADE"))
    engine.dispose()


def test_migrations_build_exactly_the_models_schema(migrated_url):
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": migrated_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_item": render_migration_type}
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def _migrated_checks_and_triggers(url: str) -> tuple[dict, set]:
    """The CHECK constraints ({table: names}) and triggers ({(table, name)}) that the migrations build."""
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            checks = {
                table: sorted(check["name"] for check in inspector.get_check_constraints(table))
                for table in inspector.get_table_names()
                if table != "alembic_version"
            }
            triggers = set()
            if connection.dialect.name == "postgresql":
                found = connection.execute(
                    text(
                        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
                    )
                )
                triggers = {tuple(row) for row in found}
        db.engine.dispose()
    return checks, triggers


def test_migrations_build_the_models_checks_and_triggers(migrated_url, database_url):
    """Alembic's comparison sees neither CHECK constraints nor triggers: compare them here."""
    checks, triggers = _migrated_checks_and_triggers(migrated_url)

    expected = {
        table.name: sorted(c.name for c in table.constraints if isinstance(c, CheckConstraint))
        for table in db.metadata.sorted_tables
    }
    assert checks == expected
    assert sum(map(len, checks.values())) > 20
    if database_url.startswith("postgresql"):
        assert triggers == {(table, f"{table}_append_only") for table in APPEND_ONLY_TABLES}
