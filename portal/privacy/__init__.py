"""Privacy: the notice that says what we hold and why (UK GDPR, US), and a copy of it all for the debtor.

Rooms: views.py, service.py.
"""
