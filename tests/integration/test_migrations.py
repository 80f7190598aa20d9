"""The schema built by the migrations is the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db
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
