"""Jobs for cron: collect due plan instalments, send reminders and notices."""
