"""Messages about a plan, as outbox templates: a reminder before each payment, what happened when we
tried to collect one, what a person decided about a proposal or a pause request, and the confirmations
of what the debtor did themselves (a plan agreed, with a copy of the agreement; a proposal or a pause
request received; a plan cancelled: portal.confirmations).

Each goes by the channel the debtor chose (portal.confirmations.channel_for) and carries a fresh
sign-in link, because a link in a message is how a debtor gets back to the portal; a text keeps to
the news and the short link. Collection messages ask for money, so the gate withholds them while
asking has stopped; each says nothing when what it would say is no longer true. Hard news (a missed
payment, a plan ended) always names free debt advice for the debtor's country (FCA PS24/2).
"""

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import clock
from portal.accounts.ledger import balance_of
from portal.confirmations import channel_for, is_text, link_to, reference_line, sign_in_link
from portal.extensions import db
from portal.models import Agreement, Debtor, Instalment, OutboundMessage, Plan
from portal.models.plan import REVIEW_OUTCOMES
from portal.outbox import Letter, neutral, queue, template
from portal.payments.cards import card_words
from portal.plans.service.progress import to_pay_now
from portal.plans.words import Formatter, amount_per
from portal.rights.packs import advice_in_messages

#: what happened to a collection that the debtor is told about
COLLECTION_NOTICES = ("requires_action", "retry", "missed", "broken")


def queue_collection_notice(kind: str, instalment: Instalment) -> None:
    """Tell the debtor what happened when we tried to collect (COLLECTION_NOTICES), by the channel they chose."""
    plan = instalment.plan
    debtor = db.session.get(Debtor, plan.debtor_id)
    queue(
        debtor,
        f"plan.{kind}",
        account=plan.account,
        params={"instalment_id": instalment.id, "attempt": instalment.attempts},
        channel=channel_for(debtor),
    )


def queue_reminder(instalment: Instalment) -> None:
    """By the channel the debtor chose: someone who only reads texts is reminded by text."""
    plan = instalment.plan
    debtor = db.session.get(Debtor, plan.debtor_id)
    queue(
        debtor,
        "plan.reminder",
        account=plan.account,
        params={"instalment_id": instalment.id, "due": instalment.due_date.isoformat()},
        channel=channel_for(debtor),
    )


def queue_review_answer(plan: Plan, *, moved: bool = False) -> OutboundMessage:
    """Tell the debtor what a person decided (plan.review_outcome), with a link that opens the plan."""
    if plan.review_outcome not in REVIEW_OUTCOMES:
        raise ValueError(f"no message for a review outcome of {plan.review_outcome!r}")
    debtor = db.session.get(Debtor, plan.debtor_id)
    return queue(
        debtor,
        "plan.review",
        account=plan.account,
        params={"plan_id": plan.id, "outcome": plan.review_outcome, "moved": moved},
        channel=channel_for(debtor),
    )


#: what the debtor did that a confirmation is sent for (plan.<what>)
CONFIRMATIONS = ("agreed", "proposal_received", "pause_requested", "cancelled")


def queue_confirmation(what: str, plan: Plan, **params) -> OutboundMessage:
    """Confirm what the debtor just did (CONFIRMATIONS), by the channel they chose, in the caller's unit of work."""
    if what not in CONFIRMATIONS:
        raise ValueError(f"no confirmation for {what!r}")
    debtor = db.session.get(Debtor, plan.debtor_id)
    return queue(
        debtor,
        f"plan.{what}",
        account=plan.account,
        params={"plan_id": plan.id, **params},
        channel=channel_for(debtor),
    )


def _sign_in_link(message: OutboundMessage, debtor: Debtor, destination: str | None = None) -> str:
    return link_to(message, debtor, campaign="plan", destination=destination)


def _page(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _what(plan: Plan) -> str:
    account = plan.account
    return _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)


def _in_its_channel(
    message: OutboundMessage, debtor: Debtor, lines: list[str], link_line: str, *, hard: bool = False
) -> list[str]:
    """All of it in an email, the link last but for help (and, with hard news, free debt advice); a text keeps to
    the link, and the notices every text carries name free debt advice (portal.message_rules)."""
    if is_text(message):
        return [link_line]
    return [*lines, "", link_line, *_help_lines(debtor), *(_advice_lines(debtor) if hard else [])]


def _help_lines(debtor: Debtor) -> list[str]:
    creditor = debtor.creditor
    lines = ["", _("If you are finding it hard to pay, tell us: we can help.")]
    if creditor.phone:
        lines.append(_("Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone))
    return lines


def _advice_lines(debtor: Debtor) -> list[str]:
    """Free, independent debt advice for the debtor's country, and what the news means for their credit file."""
    lines = ["", _("Free, independent debt advice (it costs nothing, and they will not judge you):")]
    lines += [f"- {org.name}: {org.phone}, {org.site}" for org in advice_in_messages(debtor.creditor.jurisdiction)]
    if (debtor.creditor.policy or {}).get("reports_to_credit_files"):
        lines += [
            "",
            _(
                "%(creditor)s tells credit reference agencies about missed payments. A missed payment can "
                "make it harder to borrow for up to six years.",
                creditor=debtor.creditor.name,
            ),
        ]
    return lines


def _instalment(message: OutboundMessage, debtor: Debtor) -> Instalment | None:
    instalment = db.session.get(Instalment, message.params["instalment_id"])
    if instalment is None or instalment.plan.debtor_id != debtor.id:
        return None
    return instalment


@template("plan.reminder", asks_for_money=True)
def reminder(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    instalment = _instalment(message, debtor)
    if (
        instalment is None
        or instalment.status != "scheduled"
        or instalment.plan.status != "active"
        or instalment.due_date.isoformat() != message.params["due"]
    ):
        return None
    plan, fmt = instalment.plan, Formatter.for_debtor(debtor)
    amount, when = fmt.money(instalment.amount, plan.currency), fmt.date(instalment.due_date)
    if plan.paid_by_debtor:
        due = to_pay_now(plan, clock.today_for(debtor))
        if due <= 0:
            return None  # paid another way since
        link = _sign_in_link(message, debtor, _page("payments.amount", account_id=plan.account_id, amount=due))
        lines = _in_its_channel(
            message,
            debtor,
            [_("You pay this payment yourself. We do not keep your card.")],
            _("To pay %(amount)s now, sign in here: %(link)s", amount=fmt.money(due, plan.currency), link=link),
        )
    else:
        lines = _in_its_channel(
            message,
            debtor,
            [
                _(
                    "We will take it from your %(card)s.",
                    card=card_words(plan.card_brand, plan.card_last4, in_sentence=True),
                )
            ],
            _(
                "To see your plan, change the date or pay another way, sign in here: %(link)s",
                link=_sign_in_link(message, debtor),
            ),
        )
    subject, opening = neutral(debtor)
    return Letter(
        subject=_("Your next payment of %(amount)s is on %(date)s", amount=amount, date=when),
        opening=_(
            "Your next plan payment for %(what)s is %(amount)s on %(date)s.", what=_what(plan), amount=amount, date=when
        ),
        lines=lines,
        neutral_subject=subject,
        neutral_opening=opening,
    )


def _collection(message: OutboundMessage, debtor: Debtor, still_true) -> Instalment | None:
    """The instalment a collection notice is about, while what the notice says is still so."""
    instalment = _instalment(message, debtor)
    if instalment is None or instalment.attempts != message.params["attempt"] or not still_true(instalment):
        return None
    return instalment


@template("plan.requires_action", asks_for_money=True)
def requires_action(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    instalment = _collection(message, debtor, lambda i: i.status == "requires_action" and i.payment is not None)
    if instalment is None:
        return None
    plan, fmt = instalment.plan, Formatter.for_debtor(debtor)
    amount = fmt.money(instalment.amount, plan.currency)
    link = _sign_in_link(message, debtor, _page("plans.confirm_payment", reference=instalment.payment.reference))
    subject, opening = neutral(debtor)
    return Letter(
        subject=_("Please confirm your payment of %(amount)s", amount=amount),
        opening=_(
            "Your bank wants to check it is you before we take your payment of %(amount)s for %(what)s.",
            amount=amount,
            what=_what(plan),
        ),
        lines=_in_its_channel(
            message,
            debtor,
            [_("No money has been taken yet.")],
            _("To confirm the payment, sign in here: %(link)s", link=link),
        ),
        neutral_subject=subject,
        neutral_opening=opening,
    )


@template("plan.retry", asks_for_money=True)
def retry(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    instalment = _collection(message, debtor, lambda i: i.status == "scheduled" and i.retry_on is not None)
    if instalment is None:
        return None
    plan, fmt = instalment.plan, Formatter.for_debtor(debtor)
    amount = fmt.money(instalment.amount, plan.currency)
    link = _sign_in_link(message, debtor)
    subject, opening = neutral(debtor)
    return Letter(
        subject=_("Your payment of %(amount)s did not go through", amount=amount),
        opening=_("We could not take your plan payment of %(amount)s for %(what)s.", amount=amount, what=_what(plan)),
        lines=_in_its_channel(
            message,
            debtor,
            [_("No money was taken. We will try again on %(date)s.", date=fmt.date(instalment.collect_on))],
            _("To use another card, sign in here: %(link)s", link=link),
        ),
        neutral_subject=subject,
        neutral_opening=opening,
    )


@template("plan.missed", asks_for_money=True)
def missed(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    instalment = _collection(message, debtor, lambda i: i.status == "missed" and i.plan.status != "broken")
    if instalment is None:
        return None
    plan, fmt = instalment.plan, Formatter.for_debtor(debtor)
    amount = fmt.money(instalment.amount, plan.currency)
    left = max(plan.terms.get("missed_payments_to_break", 2) - plan.missed_count, 0)
    link = _sign_in_link(message, debtor)
    if plan.paid_by_debtor:
        subject = _("Your payment of %(amount)s is missed", amount=amount)
        opening = _(
            "We have not had your plan payment of %(amount)s for %(what)s, due on %(date)s.",
            amount=amount,
            what=_what(plan),
            date=fmt.date(instalment.due_date),
        )
        pay_line = _("To pay, sign in here: %(link)s", link=link)
    else:
        subject = _("We could not take your payment of %(amount)s", amount=amount)
        opening = _("We could not take your plan payment of %(amount)s for %(what)s.", amount=amount, what=_what(plan))
        pay_line = _("To pay the missed amount or use another card, sign in here: %(link)s", link=link)
    neutral_subject, neutral_opening = neutral(debtor)
    return Letter(
        subject=subject,
        opening=opening,
        lines=_in_its_channel(
            message,
            debtor,
            [
                _("This payment is now missed. Your plan carries on with the next payment."),
                ngettext(
                    "If %(num)d more payment is missed, the plan will end.",
                    "If %(num)d more payments are missed, the plan will end.",
                    left,
                ),
            ],
            pay_line,
            hard=True,
        ),
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


@template("plan.broken", asks_for_money=True)
def broken(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    instalment = _collection(message, debtor, lambda i: i.plan.status == "broken")
    if instalment is None:
        return None
    plan, fmt = instalment.plan, Formatter.for_debtor(debtor)
    link = _sign_in_link(message, debtor)
    subject, opening = neutral(debtor)
    return Letter(
        subject=_("Your payment plan has ended"),
        opening=ngettext(
            "Because %(num)d payment was missed, your plan for %(what)s has ended.",
            "Because %(num)d payments were missed, your plan for %(what)s has ended.",
            plan.missed_count,
            what=_what(plan),
        ),
        lines=_in_its_channel(
            message,
            debtor,
            [
                *_lost_discount_lines(plan, fmt),
                _("You still owe %(balance)s.", balance=fmt.money(balance_of(plan.account), plan.currency)),
            ],
            _("You can set up a new plan or pay another way. Sign in here: %(link)s", link=link),
            hard=True,
        ),
        neutral_subject=subject,
        neutral_opening=opening,
    )


def _lost_discount_lines(plan: Plan, fmt: Formatter) -> list[str]:
    """A settlement that ends before its last payment earns no discount: say so plainly."""
    if plan.kind != "settlement" or not plan.saving:
        return []
    return [
        _(
            "Because the settlement was not paid in full, you lose the discount of %(saving)s. "
            "You owe the full balance less what you have paid.",
            saving=fmt.money(plan.saving, plan.currency),
        )
    ]


@template("plan.review", asks_for_money=False)
def review_answer(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    plan = db.session.get(Plan, message.params["plan_id"])
    if plan is None or plan.debtor_id != debtor.id or plan.review_outcome != message.params["outcome"]:
        return None
    fmt, what = Formatter.for_debtor(debtor), _what(plan)
    link = sign_in_link(message, debtor, campaign="plan", endpoint="plans.plan", reference=plan.reference)
    pending = [i for i in plan.instalments if i.status in ("scheduled", "processing", "requires_action")]
    upcoming = min(pending, key=lambda i: (i.collect_on, i.number)) if pending else None
    outcome = plan.review_outcome
    if outcome == "approved":
        first = plan.instalments[0]
        subject = _("We can agree the payment plan you proposed")
        opening = _("We have looked at the plan you proposed for %(what)s, and we can agree it.", what=what)
        lines = [
            _(
                "Your first payment would be %(amount)s on %(date)s.",
                amount=fmt.money(first.amount, plan.currency),
                date=fmt.date(first.due_date),
            )
        ]
        if message.params.get("moved"):
            lines.append(_("We moved your payment dates on, so that you have time to agree the plan first."))
        closing = _("To agree the plan and save a card, sign in here: %(link)s", link=link)
    elif outcome == "countered":
        first = plan.instalments[0]  # the last may be less: what is left
        subject = _("We have offered you a different payment plan")
        opening = _(
            "We have looked at the plan you proposed for %(what)s. We cannot agree it, but we can offer you this plan.",
            what=what,
        )
        lines = [
            ngettext(
                "One payment of %(amount)s, on %(date)s.",
                "Payments of %(amount)s, %(num)d in all, adding up to %(total)s. The first would be on %(date)s.",
                len(plan.instalments),
                amount=fmt.money(plan.instalment_amount, plan.currency),
                total=fmt.money(plan.total, plan.currency),
                date=fmt.date(first.due_date),
            )
        ]
        closing = _("To see the plan, and agree to it if it suits you, sign in here: %(link)s", link=link)
    elif outcome == "declined":
        subject = _("We could not agree the payment plan you proposed")
        opening = _("We have looked at the plan you proposed for %(what)s. We cannot agree it.", what=what)
        lines = []
        closing = _("You can set up a different plan or pay another way. Sign in here: %(link)s", link=link)
    elif outcome == "pause_approved":
        subject = _("We have paused your payment plan")
        opening = ngettext(
            "We have paused your plan for %(what)s for %(num)d month, as you asked.",
            "We have paused your plan for %(what)s for %(num)d months, as you asked.",
            plan.pause_months or 0,
            what=what,
        )
        lines = []
        closing = _("To see your new payment dates, sign in here: %(link)s", link=link)
    else:
        subject = _("We could not agree a pause in your payment plan")
        opening = _(
            "We have looked at your request to pause your plan for %(what)s. We cannot agree a pause.", what=what
        )
        lines = [_("Your payments carry on as before.")]
        closing = _("To see your plan, sign in here: %(link)s", link=link)
    if outcome in ("pause_approved", "pause_declined") and upcoming is not None:
        lines.append(
            _(
                "Your next payment is %(amount)s on %(date)s.",
                amount=fmt.money(upcoming.amount, plan.currency),
                date=fmt.date(upcoming.collect_on),
            )
        )
    if plan.review_note:
        lines += ["", _("What we said:"), plan.review_note]
    lines = [reference_line(plan.reference), *lines]
    if is_text(message):
        lines = [reference_line(plan.reference)]  # the rest is one tap away: a text stays short
    return Letter(
        subject=subject,
        opening=opening,
        lines=[*lines, "", closing, *([] if is_text(message) else _help_lines(debtor))],
        neutral_subject=_("We have an answer for you"),
        neutral_opening=_("We have looked at what you asked us. Please sign in to read our answer."),
    )


# Confirmations of what the debtor did (portal.confirmations)


def _own_plan(message: OutboundMessage, debtor: Debtor) -> Plan | None:
    plan = db.session.get(Plan, message.params["plan_id"])
    return plan if plan is not None and plan.debtor_id == debtor.id else None


def _confirmation(
    message: OutboundMessage,
    debtor: Debtor,
    *,
    subject: str,
    opening: str,
    reference: str,
    lines: list[str],
    text_lines: list[str],
    link: str,
) -> Letter:
    """A confirmation: the reference first, then what happens next; a text keeps the reference and the link only."""
    neutral_subject, neutral_opening = neutral(debtor)
    body = [reference_line(reference), *(text_lines if is_text(message) else lines), *(["", link] if link else [])]
    return Letter(
        subject=subject,
        opening=opening,
        lines=body,
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


def agreement_paragraphs(text: str) -> list[str]:
    """The stored agreement as the lines of a message: each heading, then its paragraphs."""
    return [line for part in text.split("\n\n") for line in ["", *part.splitlines()]]


@template("plan.agreed", asks_for_money=False)
def agreed(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """Thank you, the plan and its reference, what happens next (save a card, or the first payment's date), and
    a copy of the agreement word for word, with a link to the page that shows it to print."""
    plan = _own_plan(message, debtor)
    if plan is None or plan.status not in ("agreed", "active", "completed"):
        return None
    copy = db.session.scalar(
        db.select(Agreement).where(Agreement.plan_id == plan.id).order_by(Agreement.id.desc()).limit(1)
    )
    if copy is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    first = plan.instalments[0]
    amount, when = fmt.money(first.amount, plan.currency), fmt.date(first.due_date)
    if plan.status == "agreed":
        if plan.pay_first_now:
            next_step = _(
                "Next, save a card. We take the first payment of %(amount)s as soon as you do.", amount=amount
            )
        else:
            next_step = _(
                "Next, save a card to start the plan. Your first payment of %(amount)s is on %(date)s.",
                amount=amount,
                date=when,
            )
    elif plan.paid_by_debtor:
        next_step = _(
            "You pay each payment yourself. Your first payment is %(amount)s on %(date)s. "
            "We will send you a link to pay it a few days before.",
            amount=amount,
            date=when,
        )
    else:
        next_step = _("Your first payment is %(amount)s on %(date)s.", amount=amount, date=when)
    link = sign_in_link(message, debtor, campaign="plan", endpoint="plans.agreement_copy", reference=plan.reference)
    return _confirmation(
        message,
        debtor,
        subject=_("You have agreed a payment plan"),
        opening=_("Thank you. You have agreed a payment plan for %(what)s.", what=_what(plan)),
        reference=plan.reference,
        lines=[
            next_step,
            "",
            _("A copy of what you agreed is below. To read it or print it, sign in here: %(link)s", link=link),
            *_help_lines(debtor),
            "",
            _("What you agreed on %(date)s:", date=fmt.date(copy.agreed_at.date())),
            *agreement_paragraphs(copy.text),
        ],
        text_lines=[next_step],
        link=_("To read what you agreed, sign in: %(link)s", link=link) if is_text(message) else "",
    )


@template("plan.proposal_received", asks_for_money=False)
def proposal_received(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    plan = _own_plan(message, debtor)
    if plan is None or plan.status != "pending_review" or plan.review_by is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    offer = amount_per(fmt.money(plan.instalment_amount, plan.currency), plan.frequency)
    by = _("We will tell you by %(date)s.", date=fmt.date(plan.review_by))
    link = sign_in_link(message, debtor, campaign="plan", endpoint="plans.plan", reference=plan.reference)
    return _confirmation(
        message,
        debtor,
        subject=_("We have your proposed payment plan"),
        opening=_("Thank you. We have your offer of %(offer)s for %(what)s.", offer=offer, what=_what(plan)),
        reference=plan.reference,
        lines=[
            _("A person will look at it, because it is outside what we can agree straight away."),
            by,
            _("Nothing is taken from you until you have agreed a plan and saved a card."),
        ],
        text_lines=[by],
        link=_("To see your proposal, sign in here: %(link)s", link=link),
    )


@template("plan.pause_requested", asks_for_money=False)
def pause_requested(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    plan = _own_plan(message, debtor)
    if plan is None or plan.pause_requested_at is None or plan.review_by is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    by = _("We will tell you by %(date)s.", date=fmt.date(plan.review_by))
    link = sign_in_link(message, debtor, campaign="plan", endpoint="plans.plan", reference=plan.reference)
    return _confirmation(
        message,
        debtor,
        subject=_("We have your request to pause your plan"),
        opening=ngettext(
            "Thank you. We have your request to pause your plan for %(what)s for %(num)d month.",
            "Thank you. We have your request to pause your plan for %(what)s for %(num)d months.",
            plan.pause_months or 0,
            what=_what(plan),
        ),
        reference=plan.reference,
        lines=[
            _("A person will look at it."),
            by,
            _("We take no payments until then."),
        ],
        text_lines=[by],
        link=_("To see your plan, sign in here: %(link)s", link=link),
    )


@template("plan.cancelled", asks_for_money=False)
def cancelled(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    plan = _own_plan(message, debtor)
    if plan is None or plan.status != "cancelled":
        return None
    link = sign_in_link(message, debtor, campaign="plan", endpoint="accounts.account", account_id=plan.account_id)
    return _confirmation(
        message,
        debtor,
        subject=_("Your payment plan is cancelled"),
        opening=_("You have cancelled your payment plan for %(what)s.", what=_what(plan)),
        reference=plan.reference,
        lines=[
            _("We will not take any more payments for it."),
            _("Cancelling the plan does not cancel what you owe."),
            *_help_lines(debtor),
        ],
        text_lines=[_("We will not take any more payments for it.")],
        link=_("To see your account, sign in here: %(link)s", link=link),
    )
