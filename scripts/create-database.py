"""Create the PostgreSQL database DATABASE_URL names, if it is not there yet (for `make serve` and bench/)."""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def create_database(url: str) -> bool:
    """True if it was created; False if it was there already."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        raise SystemExit(f"not a PostgreSQL URL: {target.render_as_string(hide_password=True)}")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
        if not exists:
            name = connection.dialect.identifier_preparer.quote(target.database)
            connection.execute(text(f"CREATE DATABASE {name}"))
    server.dispose()
    return not exists


if __name__ == "__main__":
    if create_database(sys.argv[1]):
        print(f"Created database {make_url(sys.argv[1]).database}.")
