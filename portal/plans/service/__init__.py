"""Instalment plans, by stage of a plan's life: `making` (offers, proposals, agreeing), `progress` (where a plan
stands), `card` (the saved card), `collection` (charging instalments and their state machine), `changes` (what a
debtor changes on a running plan). What they share is here.
"""


class PlanError(Exception):
    """A change the plan can't take; `code` says why (the view turns it into words)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


#: instalment states in which money may be on its way
IN_FLIGHT = ("processing", "requires_action")
#: instalment states still to be paid
PENDING = ("scheduled", *IN_FLIGHT)
