"""Rows that are facts, once written, are never changed or removed.

Twice over: the ORM refuses to flush a change, and on PostgreSQL a trigger refuses any UPDATE or
DELETE, whoever sends it (raw SQL, a shell, another program). The migration and `db.create_all()`
build the trigger from the same SQL below. TRUNCATE fires no row trigger: it stays for tests.
"""

from sqlalchemy import DDL, event

from portal.extensions import db

#: raises for any row change; the message names the table
REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only; add a correcting row instead';
END
$$
"""
DROP_REFUSE_CHANGE_FUNCTION = "DROP FUNCTION IF EXISTS refuse_change()"
#: every append-only table, as the decorator meets them
APPEND_ONLY_TABLES: list[str] = []


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an append-only row."""


def refuse_change_trigger(table: str) -> str:
    """The CREATE TRIGGER statement that makes `table` append-only on PostgreSQL."""
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )


def drop_refuse_change_trigger(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"


def append_only(cls):
    """Class decorator: refuse UPDATE and DELETE of the model through the ORM, and in PostgreSQL."""

    def refuse(mapper, connection, target):
        raise AppendOnlyError(f"{cls.__name__} rows are append-only; add a correcting row instead")

    event.listen(cls, "before_update", refuse)
    event.listen(cls, "before_delete", refuse)
    trigger = DDL(refuse_change_trigger(cls.__tablename__)).execute_if(dialect="postgresql")
    event.listen(cls.__table__, "after_create", trigger)
    APPEND_ONLY_TABLES.append(cls.__tablename__)
    return cls


event.listen(db.metadata, "before_create", DDL(REFUSE_CHANGE_FUNCTION).execute_if(dialect="postgresql"))
event.listen(db.metadata, "after_drop", DDL(DROP_REFUSE_CHANGE_FUNCTION).execute_if(dialect="postgresql"))
