"""Staff passwords: long, not common, not the email; hashed with scrypt (Werkzeug), never stored as typed."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
#: the 30,000 passwords people use most, as zxcvbn ships them
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])
#: a hash to compare against when no such user exists, so a wrong email costs as long as a wrong password
_NOBODY = generate_password_hash("nobody has this password", method="scrypt")


def password_problem(password: str, email: str) -> str | None:
    """Why this password may not be used, in words for the person choosing it; None when it may."""
    if len(password) < MIN_LENGTH:
        return lazy_ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH)
    lowered = password.lower()
    if lowered in _COMMON or lowered.strip("0123456789!") in _COMMON:
        return _l("That password is one of the most common ones. Choose one that is harder to guess.")
    name = email.lower().partition("@")[0]
    if email.lower() in lowered or (len(name) >= 3 and name in lowered):
        return _l("Do not use your email address in your password.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def password_matches(password_hash: str | None, password: str) -> bool:
    """Always does the work of one comparison, whether or not there is a hash to compare with."""
    return check_password_hash(password_hash or _NOBODY, password) and password_hash is not None
