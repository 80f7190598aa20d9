"""Staff users for tests, signed in through the real pages (password, then a TOTP code)."""

from itertools import count

import pyotp

from portal import clock
from portal.extensions import db
from portal.models import Creditor, StaffUser
from portal.staff import passwords, totp
from tests.conftest import Browser, csrf_from

PASSWORD = "correct horse battery staple"
_ids = count(1)


def make_staff(*creditors: Creditor, role: str = "agent", name: str | None = None, **overrides) -> StaffUser:
    """A staff user who has finished set-up, serving `creditors`."""
    n = next(_ids)
    fields = {
        "email": f"staff{n}@agency.example",
        "name": name or f"Alex Staff{n}",
        "role": role,
        "password_hash": passwords.hash_password(PASSWORD),
        "totp_secret": totp.new_secret(),
        "creditors": list(creditors),
    }
    user = StaffUser(**(fields | overrides))
    db.session.add(user)
    db.session.flush()
    return user


def next_code(user: StaffUser) -> str:
    """A code the console will accept now: the next time step not used yet (each step is good once)."""
    db.session.refresh(user)
    generator = pyotp.TOTP(user.totp_secret)
    step = max(generator.timecode(clock.now()) - totp.WINDOW, user.totp_last_step + 1)
    return generator.generate_otp(step)


class StaffBrowser(Browser):
    """A test client that signs in to the console as a person would."""

    def token(self) -> str:
        return csrf_from(self.client.get("/staff/sign-in", follow_redirects=True).get_data(as_text=True))

    def sign_in(self, user: StaffUser, password: str = PASSWORD):
        db.session.commit()
        first = self.post("/staff/sign-in", {"email": user.email, "password": password})
        assert first.status_code == 302, first.get_data(as_text=True)
        response = self.post("/staff/sign-in/code", {"code": next_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response
