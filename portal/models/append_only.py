"""Rows that are facts, once written, are never changed or removed."""

from sqlalchemy import event


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an append-only row."""


def append_only(cls):
    """Class decorator: refuse UPDATE and DELETE of the model through the ORM."""

    def refuse(mapper, connection, target):
        raise AppendOnlyError(f"{cls.__name__} rows are append-only; add a correcting row instead")

    event.listen(cls, "before_update", refuse)
    event.listen(cls, "before_delete", refuse)
    return cls
