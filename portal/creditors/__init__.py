"""Creditors as the console's admins look after them: settings.py (read, check, change and version a creditor's
settings), forms.py (the settings form, as people type amounts)."""
