"""A debt, and its ledger: the balance is the sum of the ledger, nothing else."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.append_only import append_only
from portal.models.debtor import Debtor
from portal.models.types import UTCDateTime, one_of, utcnow
from portal.translated import in_language


class AccountStatus(StrEnum):
    OPEN = "open"
    DISPUTED = "disputed"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


#: the values as plain strings, as every such tuple beside a StrEnum (click.Choice would list member names)
ACCOUNT_STATUSES = tuple(map(str, AccountStatus))


class LedgerKind(StrEnum):
    """Positive amounts add to what is owed, negative ones reduce it."""

    ITEMIZATION = "itemization"
    INTEREST = "interest"
    FEE = "fee"
    PAYMENT = "payment"
    CREDIT = "credit"
    #: a person at the creditor decided the debtor need not pay this (portal.accounts.write_offs)
    WRITE_OFF = "write_off"


LEDGER_KINDS = tuple(map(str, LedgerKind))


class LedgerWording(StrEnum):
    """What happened, for entries the portal writes itself: the words are chosen when the page is drawn."""

    #: the debtor paid by card (reference: the payment's P-…)
    CARD_PAYMENT = "card_payment"
    #: a settlement plan was paid: the rest of the balance is credited (reference: the plan's PL-…)
    SETTLEMENT_DISCOUNT = "settlement_discount"
    #: a person at the creditor wrote some or all of it off (reference: the write-off's W-…)
    WRITE_OFF = "write_off"
    #: the creditor sent an item with no words of its own: the ledger kind says what it is
    CREDITOR_ITEM = "creditor_item"


class Account(db.Model):
    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("debtor_id", "reference", name="uq_account_debtor_reference"),
        one_of("status", AccountStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: the account number the debtor knows from the creditor's letters
    reference: Mapped[str] = mapped_column(String(64))
    #: what the debt is for, in the debtor's words ("Mobile phone contract"), as the creditor sent it;
    #: read `description`, which is in the language the page or letter is drawn in
    description_text: Mapped[str] = mapped_column("description", String(200))
    #: the same in other languages, when the creditor sent them: {"es": "Contrato de teléfono móvil"}
    description_translations: Mapped[dict[str, str] | None] = mapped_column(JSON)
    original_creditor: Mapped[str] = mapped_column(String(200))
    original_reference: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: the date the itemization starts from (Regulation F: last statement, charge-off, ...)
    itemization_date: Mapped[date] = mapped_column(Date)
    #: who owned the debt on the itemization date, when that is not the original creditor (Regulation F)
    itemization_creditor: Mapped[str | None] = mapped_column(String(200))
    #: who the debt is owed to now (Regulation F): the creditor's own name, or, when a debt collector
    #: collects it, whoever owns the debt; never assumed to be the collector
    current_creditor: Mapped[str] = mapped_column(String(200))
    #: US: the day the validation notice was sent; the validation period is counted from it
    validation_notice_sent_on: Mapped[date | None] = mapped_column(Date)
    #: US: the debt is too old to be sued on: the account, pay and validation pages say so (portal.rights)
    time_barred: Mapped[bool] = mapped_column(default=False)
    #: US: where the debtor lives, a payment on this time-barred debt can restart the time limit to
    #: sue (the creditor knows its state's law): the time-barred notice then warns of it
    payment_restarts_time_limit: Mapped[bool] = mapped_column(default=False)
    #: UK: the debt is statute-barred (CONC 7.15), as the creditor says or as a person agreed when the
    #: debtor told us so: the account and pay pages say so
    statute_barred: Mapped[bool] = mapped_column(default=False)
    #: interest and charges the creditor adds each month while nothing stops them (minor units);
    #: a plan's offer and agreement show them unless the creditor's policy freezes them during a plan
    monthly_interest: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    debtor: Mapped[Debtor] = relationship()
    entries: Mapped[list["LedgerEntry"]] = relationship(
        back_populates="account", order_by="LedgerEntry.id", lazy="raise"
    )

    @hybrid_property
    def description(self) -> str:
        """What the debt is for, in the language being drawn in when the creditor sent it, else as sent.

        In a query, the column as sent (`select(Account.description)`, `Account.description == ...`)."""
        return in_language(self.description_text, self.description_translations)

    @description.inplace.setter
    def _description_setter(self, value: str) -> None:
        self.description_text = value

    @description.inplace.expression
    @classmethod
    def _description_expression(cls):
        return cls.description_text

    def __repr__(self) -> str:
        return f"<Account {self.reference}>"


@append_only
class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        one_of("kind", LedgerKind),
        one_of("wording", LedgerWording),
        # the account page's history, newest first, a page at a time
        Index("ix_ledger_entry_account_history", "account_id", "effective_date", "id"),
        # balances and itemizations (portal.accounts.ledger) are summed from this index alone, never from the
        # table's rows, which lie among everyone else's: it also serves every other lookup by account
        Index("ix_ledger_entry_account_sums", "account_id", "kind", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: signed, in minor units of the account's currency (cents, pence)
    amount: Mapped[int]
    #: the day the entry takes effect, in the creditor's books
    effective_date: Mapped[date] = mapped_column(Date)
    #: the creditor's own words for the item ("Late payment fee"), when it sent some; text the portal writes
    #: itself is not stored as words but as `wording` and `reference` (portal.accounts.wording.describe)
    description: Mapped[str | None] = mapped_column(String(200))
    #: the creditor's words in other languages, when it sent them: {"es": "Cargo por pago atrasado"}
    description_translations: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: what the portal did, when the portal wrote the entry (a LedgerWording), so that the page says it in
    #: its own language; None for the creditor's items
    wording: Mapped[str | None] = mapped_column(String(30))
    #: the portal's reference the entry is about: a payment's P-…, a plan's PL-…, a write-off's W-…
    reference: Mapped[str | None] = mapped_column(String(64))
    #: unique id from outside (PaymentIntent id, creditor's transaction id): a retry can't count twice
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="entries")

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.kind} {self.amount}>"
