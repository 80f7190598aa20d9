"""Signed outbound webhooks: each creditor event, sent to the creditor's own receiver until it answers 2xx.

`settings` keeps the endpoint (URL and secret) a console admin sets; `portal.events.emit` makes a delivery
with each event; `delivery` (`flask webhooks deliver`, from cron) sends what is due; `signing` writes the
`Portal-Signature` header the README shows creditors how to check.
"""
