"""Promises to pay: "I'll pay £X by <date>", without a plan and without a card (issue 16, point 1).

`service` holds the rules (what the creditor's policy allows, making one with the open limit claimed atomically,
kept or broken from the ledger), `emails` the outbox templates, `views` the debtor's page, `cli` the job.
"""
