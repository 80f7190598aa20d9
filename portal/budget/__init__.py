"""The budget tool: a household's income and outgoings, the guidelines, and an affordable offer.

Rooms: views.py, forms.py, service.py, exports.py (JSON and CSV downloads); engine.py (pure rules),
structures.py and labels.py (the statements and their words).
"""
