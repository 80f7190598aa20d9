"""Where work is committed: once per request, once per CLI command, once per job step, and here only.

Services change the session and never commit, so a view, a command, a job and (soon) the staff console
and the creditor API can call the same functions and decide for themselves. A request commits after its
view answered, and rolls back when it ended in an error page (a domain error, an HTTP error, a crash).

The deliberate early commit is `commit_claim`: a payment is claimed before Stripe is called (and a
message before it is handed to the mail server), so that a second tab, a second run or a crash during
the call finds it taken, and nothing is charged or sent twice.

What may happen only once the work is stored (sending a message about it) is handed to `after_commit`;
what must be undone outside the database if it is not (a file written for it), to `on_rollback`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import update_wrapper

from flask import Flask, g
from flask.cli import AppGroup

from portal.extensions import db


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current unit of work has committed; never if it rolls back."""
    g.setdefault("after_commit", []).append(action)


def on_rollback(action: Callable[[], None]) -> None:
    """Run `action` if the current unit of work is rolled back instead of committed."""
    g.setdefault("on_rollback", []).append(action)


def commit_claim() -> None:
    """Store a claim before the outside world is called: the one commit in the middle of a unit of work."""
    db.session.commit()


def commit() -> None:
    """End the unit of work: store it, then do what waited for it."""
    db.session.commit()
    g.pop("on_rollback", None)
    for action in g.pop("after_commit", []):
        action()


def rollback() -> None:
    """Drop the unit of work and what waited for it; undo what was done outside the database for it."""
    db.session.rollback()
    g.pop("after_commit", None)
    for action in g.pop("on_rollback", []):
        action()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """A CLI command or one step of a job: committed when the block ends, rolled back if it raises."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


class CommandGroup(AppGroup):
    """A `flask` command group whose commands each run as one unit of work (a job's steps are units of
    their own inside it)."""

    def command(self, *args, **kwargs):
        wrap = super().command(*args, **kwargs)

        def decorator(callback):
            def run(*args, **kwargs):
                with unit_of_work():
                    return callback(*args, **kwargs)

            return wrap(update_wrapper(run, callback))

        return decorator


def _end_request(response):
    """After the view: commit, unless the answer is a server error (error pages rolled back already)."""
    if response.status_code >= 500:
        rollback()
    else:
        commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_end_request)
