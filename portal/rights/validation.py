"""US validation information (FDCPA section 809, Regulation F 12 CFR 1006.34): the end of the validation period.

The validation period ends 30 days after the consumer receives the validation notice. A collector
may assume the notice is received 5 days after it is sent, not counting Saturdays, Sundays and the
legal public holidays of 5 U.S.C. 6103(a) (1006.34(b)(5)). We also skip the weekday on which a
holiday falling on a weekend is observed: that only ever moves the end date later, in the
consumer's favour. Which days those are is `portal.working_days`'s "US" calendar.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from portal.accounts.service import Itemization
from portal.working_days import add_working_days, is_working_day, public_holidays

#: days a notice is assumed to take to arrive, not counting weekends and federal holidays
RECEIPT_BUSINESS_DAYS = 5
#: calendar days after the assumed receipt that the consumer has to dispute
VALIDATION_PERIOD_DAYS = 30


def federal_holidays(year: int) -> frozenset[date]:
    """Every day in `year` that is a federal holiday or the weekday one is observed on."""
    return public_holidays("US", year)


def is_business_day(day: date) -> bool:
    return is_working_day(day, "US")


def add_business_days(start: date, count: int) -> date:
    """The day `count` business days after `start` (start itself is not counted)."""
    return add_working_days(start, count, "US")


def assumed_receipt(sent_on: date) -> date:
    return add_business_days(sent_on, RECEIPT_BUSINESS_DAYS)


def validation_period_end(sent_on: date) -> date:
    """The last day of the validation period for a notice sent on `sent_on`."""
    return assumed_receipt(sent_on) + timedelta(days=VALIDATION_PERIOD_DAYS)


def days_left(end: date, today: date) -> int:
    """Whole days from today to the end date: 0 on the last day, negative once it has passed."""
    return (end - today).days


@dataclass(frozen=True)
class ValidationInformation:
    """Everything the CFPB's model validation notice (Regulation F, Model Form B-1) says about one debt."""

    #: the communication is from a debt collector (the notice then says so)
    is_debt_collector: bool
    collector_name: str
    collector_address: str | None
    collector_phone: str | None
    consumer_name: str
    consumer_address: str | None
    #: who owned the debt on the itemization date
    itemization_creditor: str
    #: who the debt is owed to now
    current_creditor: str
    account_number: str
    description: str
    itemization: Itemization
    #: None until the notice has been sent
    notice_sent_on: date | None
    period_ends_on: date | None
    days_left: int | None

    @property
    def payments_and_credits(self) -> int:
        """The model form shows payments and credits as one line; an amount written off is credited too."""
        return self.itemization.payments + self.itemization.credits + self.itemization.written_off

    @property
    def period_open(self) -> bool:
        return self.days_left is not None and self.days_left >= 0


def validation_information(account, creditor, itemization: Itemization, today: date) -> ValidationInformation:
    """Gather the notice's elements for one account (its debtor and creditor already loaded)."""
    debtor = account.debtor
    sent_on = account.validation_notice_sent_on
    end = validation_period_end(sent_on) if sent_on else None
    return ValidationInformation(
        is_debt_collector=creditor.is_debt_collector,
        collector_name=creditor.name,
        collector_address=creditor.mailing_address,
        collector_phone=creditor.phone,
        consumer_name=debtor.full_name,
        consumer_address=debtor.address,
        itemization_creditor=account.itemization_creditor or account.original_creditor,
        current_creditor=account.current_creditor,
        account_number=account.original_reference or account.reference,
        description=account.description,
        itemization=itemization,
        notice_sent_on=sent_on,
        period_ends_on=end,
        days_left=days_left(end, today) if end else None,
    )
