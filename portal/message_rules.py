"""What every message to a debtor must say, whatever its template: the outbox adds these words to each one.

- A US debt collector says the message is from a debt collector (FDCPA §1692e(11), for every
  communication after the first), in the body after the opening, never in a subject or preview.
- Every email and text offers a simple way to stop that kind of message (Regulation F §1006.6(e)): an
  email carries a link that turns email off without signing in (and the List-Unsubscribe headers mail
  providers show as a button); a text says to reply STOP.
- A UK firm names itself and says where free, independent debt advice is (the rights pack's first
  adviser), unless the message already does.

`notices(debtor, channel)` gives the words for a channel ("email", "sms", or "portal" for a message
shown in the portal instead): `after_opening` goes straight after the message's opening words, and
`footer` at the end. Call it inside the debtor's language (the outbox does).
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from portal.models import Debtor
from portal.public_url import public_url
from portal.rights.packs import advice_in_messages

#: the opt-out token's own salt, so no other signed value can pass for one
OPT_OUT_SALT = "portal.opt-out"
#: channels a debtor can turn off from a link in the message itself
OPT_OUT_CHANNELS = ("email",)


@dataclass(frozen=True)
class Notices:
    after_opening: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)


def notices(debtor: Debtor, channel: str, *, already_said: str = "") -> Notices:
    """The words the law asks of a message to this debtor on this channel. `already_said`: the message's
    own text, so advice it already gives is not given twice."""
    creditor = debtor.creditor
    after_opening = []
    if creditor.jurisdiction == "US" and creditor.is_debt_collector:
        after_opening.append(_("This communication is from a debt collector."))
    footer = []
    if creditor.jurisdiction == "UK":
        footer.append(_("This message is from %(creditor)s.", creditor=creditor.name))
        footer += _advice(creditor.jurisdiction, channel, already_said)
    if channel == "email":
        footer.append(
            _(
                "To stop emails from %(creditor)s, open this link. You do not need to sign in: %(link)s",
                creditor=creditor.name,
                link=opt_out_url(debtor, "email"),
            )
        )
    elif channel == "sms":
        footer.append(_("Reply STOP to stop texts."))
    return Notices(after_opening, footer)


def _advice(jurisdiction: str, channel: str, already_said: str) -> list[str]:
    advisers = advice_in_messages(jurisdiction)
    if not advisers or advisers[0].site in already_said:
        return []
    first = advisers[0]
    if channel == "sms":
        return [_("Free debt advice: %(name)s, %(phone)s.", name=first.name, phone=first.phone)]
    return [
        _(
            "Free, independent debt advice: %(name)s, %(phone)s, %(site)s.",
            name=first.name,
            phone=first.phone,
            site=first.site,
        )
    ]


def email_headers(debtor: Debtor) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail providers show an unsubscribe button that POSTs to the opt-out link."""
    return {
        "List-Unsubscribe": f"<{opt_out_url(debtor, 'email')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)


def opt_out_token(debtor: Debtor, channel: str) -> str:
    """Signed, so only we can make one; it names the debtor and the channel, and does not expire: a link in
    an old email must still work."""
    if channel not in OPT_OUT_CHANNELS:
        raise ValueError(f"no opt-out link for {channel!r}")
    return _serializer().dumps({"debtor": debtor.id, "channel": channel})


def read_opt_out_token(token: str) -> tuple[int, str] | None:
    """(debtor id, channel), or None for a token we did not sign."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("channel") not in OPT_OUT_CHANNELS:
        return None
    debtor_id = data.get("debtor")
    return (debtor_id, data["channel"]) if isinstance(debtor_id, int) else None


def opt_out_url(debtor: Debtor, channel: str) -> str:
    return public_url("stop.confirm", token=opt_out_token(debtor, channel))
