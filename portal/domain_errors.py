"""The few errors a service raises when it can't do what it was asked: named in the domain, not in HTTP.

A service function is called by a view, the CLI, a job, the staff console or the API; each answers in its
own way (a 404 page, a plain message, a skipped row). So services raise one of these and never abort:
`portal.errors` maps them to 404/400/409 for the web, and a CLI command turns them into a
`click.ClickException`. The message says what went wrong for a log or an operator; a debtor never sees it.

Errors that belong to one area and carry its own reasons (`PlanError`, `DisputeError`) stay where they are.
"""


class DomainError(Exception):
    """Something a service was asked to do that it can't; raise one of the subclasses."""


class NotFoundForOwner(DomainError):
    """The thing does not exist for this owner: someone else's plan, payment or account is "not found"
    (never "forbidden"), so a guessed reference tells nobody that it exists."""


class NotAllowedNow(DomainError):
    """The request can't be done in the current state, or the input a client sent makes no sense."""


class Conflict(DomainError):
    """The request clashes with what already exists, e.g. an idempotency key already used for another
    account: doing it would change or double something recorded."""
