"""What the debtor owes: the dashboard and each account, with balances read from the ledger.

Rooms: views.py, service.py (accounts, itemization, history), ledger.py (the one place balances are summed).
"""
