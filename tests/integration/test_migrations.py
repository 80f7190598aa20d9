"""The schema built by the migrations is the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

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


_BEFORE_WORDING = "7f8740a20497"
_LEGACY_LEDGER = (
    # (kind, description, external_ref) as the portal wrote them before entries kept wording and reference
    ("itemization", "Itemization", None),
    ("payment", "Card payment P-7K2M9Q", "pi_legacy"),
    ("credit", "Settlement discount PL-4RT8", "settlement:PL-4RT8"),
    ("write_off", "W-9XZ2", "write-off:W-9XZ2"),
    ("fee", "Fee", "creditor:1:F-1"),
    ("fee", "Late payment fee", "creditor:1:F-2"),
)


def _insert_legacy_ledger(connection) -> None:
    now = "2026-01-15 10:00:00+00:00"
    connection.execute(
        text(
            "INSERT INTO creditor (id, slug, name, jurisdiction, currency, locale, timezone, identity_method, "
            "link_lifetime_days, is_debt_collector, policy, brand_colour, created_at) VALUES (1, 'old', 'Old', "
            "'GB', 'GBP', 'en_GB', 'Europe/London', 'postcode', 30, false, '{}', '#1d4f91', :now)"
        ),
        {"now": now},
    )
    connection.execute(
        text(
            "INSERT INTO debtor (id, creditor_id, reference, full_name, session_version, created_at) "
            "VALUES (1, 1, 'D-1', 'Ann Old', 1, :now)"
        ),
        {"now": now},
    )
    connection.execute(
        text(
            "INSERT INTO account (id, debtor_id, reference, description, original_creditor, currency, status, "
            "itemization_date, current_creditor, time_barred, payment_restarts_time_limit, statute_barred, "
            "monthly_interest, created_at) VALUES (1, 1, 'A-1', 'Credit card', 'Bank', 'GBP', 'open', "
            "'2026-01-15', 'Old', false, false, false, 0, :now)"
        ),
        {"now": now},
    )
    for kind, description, external_ref in _LEGACY_LEDGER:
        connection.execute(
            text(
                "INSERT INTO ledger_entry (account_id, kind, amount, effective_date, description, external_ref, "
                "created_at) VALUES (1, :kind, 100, '2026-01-15', :description, :external_ref, :now)"
            ),
            {"kind": kind, "description": description, "external_ref": external_ref, "now": now},
        )


def _ledger_rows(connection) -> list[tuple]:
    return [
        tuple(row)
        for row in connection.execute(
            text("SELECT kind, wording, reference, description FROM ledger_entry ORDER BY id")
        )
    ]


def test_the_wording_migration_gives_the_portals_old_entries_their_wording_and_reference(migrated_url):
    """Entries the portal wrote in English words get the wording and reference pages now write the words
    from; the creditor's own words stay theirs; downgrading writes the English back for newer entries."""
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": migrated_url})
    with app.app_context():
        upgrade(revision=_BEFORE_WORDING)
        with db.engine.begin() as connection:
            _insert_legacy_ledger(connection)
        upgrade()
        with db.engine.begin() as connection:
            migrated = _ledger_rows(connection)
        if db.engine.dialect.name == "postgresql":  # the ledger refuses changes again once the migration is done
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
                connection.execute(text("UPDATE ledger_entry SET amount = 0"))
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_entry (account_id, kind, amount, effective_date, wording, reference, "
                    "created_at) VALUES (1, 'payment', -100, '2026-02-01', 'card_payment', 'P-NEW1', "
                    "'2026-02-01 10:00:00+00:00')"
                )
            )
        downgrade(revision=_BEFORE_WORDING)
        with db.engine.connect() as connection:
            after_downgrade = [
                row[0] for row in connection.execute(text("SELECT description FROM ledger_entry ORDER BY id"))
            ]
        db.engine.dispose()

    assert migrated == [
        ("itemization", None, None, "Itemization"),
        ("payment", "card_payment", "P-7K2M9Q", "Card payment P-7K2M9Q"),
        ("credit", "settlement_discount", "PL-4RT8", "Settlement discount PL-4RT8"),
        ("write_off", "write_off", "W-9XZ2", "W-9XZ2"),
        ("fee", "creditor_item", None, "Fee"),
        ("fee", None, None, "Late payment fee"),
    ]
    assert after_downgrade[-1] == "Card payment P-NEW1"
