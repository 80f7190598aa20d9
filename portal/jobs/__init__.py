"""Jobs for cron: collect due plan instalments, send reminders and notices.

Rooms: cli.py (`flask collect`, `flask remind`), one module a job (collect.py, remind.py), each committing per step.
"""
