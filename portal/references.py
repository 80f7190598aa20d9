"""References people read out on the phone and copy from letters: short, without 0/O or 1/I to mix up."""

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference(prefix: str) -> str:
    """e.g. new_reference("P") -> "P-7K3M9Q2X"; the prefix says what it names (payment, plan, ...)."""
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(8))
