"""Phone numbers in one form, E.164 (+447700900123): what Twilio sends and expects, and what replies are matched by."""

import re

#: E.164 allows at most 15 digits; fewer than 8 is no one's mobile
_E164 = re.compile(r"\+[1-9]\d{7,14}")
#: how a national number is written in each jurisdiction: (trunk prefix, country code, national digits)
_NATIONAL = {"UK": ("0", "44", 10), "US": ("", "1", 10)}


def e164(text: str | None, jurisdiction: str) -> str | None:
    """The number in E.164, read as a number of the creditor's country unless it says otherwise; None if
    it can't be a phone number."""
    if not text:
        return None
    compact = re.sub(r"[^\d+]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+") and jurisdiction in _NATIONAL:
        trunk, country, length = _NATIONAL[jurisdiction]
        if trunk and compact.startswith(trunk):
            compact = compact[len(trunk) :]
        elif compact.startswith(country) and len(compact) == len(country) + length:
            compact = compact[len(country) :]
        compact = f"+{country}{compact}" if len(compact) == length else compact
    return compact if _E164.fullmatch(compact) else None
