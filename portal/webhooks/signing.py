"""The `Portal-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.

The time is signed with the body so a receiver can refuse an old request replayed (the README's check allows
five minutes).
"""

import hashlib
import hmac
import secrets


def new_secret() -> str:
    """32 random bytes, prefixed so a leaked one is recognisable as ours in a secret scanner."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
