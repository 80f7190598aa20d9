"""Time-based one-time codes (RFC 6238, pyotp) and the QR code an authenticator app scans (segno)."""

from datetime import datetime

import pyotp
import segno

#: codes from one step before or after now are accepted too: phone clocks drift
WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """An inline SVG of the URI: no script and no external image, so the page's CSP stays strict."""
    return segno.make(uri, error="m").svg_inline(scale=5, title=title, dark="#0b0c0c", light="#ffffff")


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within WINDOW of now), or None. The caller refuses a step used before."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def current_code(secret: str, now: datetime) -> str:
    """For `flask staff totp` in development, and for tests."""
    return pyotp.TOTP(secret).at(now)
