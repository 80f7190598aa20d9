"""Instalment plans: the plan engine (pure functions over plain data) and, beside it, the web side."""
