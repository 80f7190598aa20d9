"""The statement and the "paid in full" letter as PDF files, drawn with fpdf2 (pure Python, no system libraries).

The text is real text in an embedded Unicode font (DejaVu Sans, Debian's fonts-dejavu-core, found in the
PDF_FONT_DIR setting), so "£", "€" and Spanish accents show, a screen reader can read the file and its words
can be copied or searched. Everything is in the page's language, formatted as the page formats it
(portal.templating's money and long_date), so call these inside the request that asked for the file.
"""

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from portal.accounts.documents import PaidInFull, Statement
from portal.accounts.wording import describe
from portal.models import Creditor, Debtor
from portal.templating import long_date, money

FONT = "DejaVu"
#: the files of the one family used, by style ("" regular, "B" bold)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class _Document(FPDF):
    """An A4 page with the creditor's name at the top and the page number at the foot."""

    def __init__(self, creditor: Creditor, title: str):
        super().__init__(format="A4")
        folder = Path(current_app.config["PDF_FONT_DIR"])
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(folder / name))
        self.creditor_name, self.page_label = creditor.name, _("Page")
        self.set_title(title)
        self.set_author(creditor.name)
        self.set_creator(creditor.name)
        self.set_lang(str(get_locale()))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.add_page()

    def header(self) -> None:
        self.set_font(FONT, "B", 13)
        self.cell(0, 8, self.creditor_name, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.cell(0, 6, f"{self.page_label} {self.page_no()}", align="R")

    def title_line(self, text: str) -> None:
        self.set_font(FONT, "B", 16)
        self.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 11)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Label and value pairs, one a line."""
        for label, value in rows:
            self.set_font(FONT, "B", 10)
            self.cell(55, 6, label)
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def file(self) -> bytes:
        return bytes(self.output())


def statement_pdf(statement: Statement, creditor: Creditor, debtor: Debtor) -> bytes:
    account = statement.account
    title = _("Statement of account %(reference)s", reference=account.reference)
    pdf = _Document(creditor, title)
    pdf.title_line(_("Statement of account"))
    pdf.facts([*_who(account, debtor), (_("Period"), _period(statement.first, statement.last))])
    pdf.paragraph(
        _(
            "You owed %(amount)s at the start of %(date)s.",
            amount=_money(statement.opening, account),
            date=_day(statement.first),
        ),
        bold=True,
    )
    if statement.lines:
        pdf.set_font(FONT, "", 9)
        heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
        with pdf.table(
            col_widths=(36, 68, 35, 35),
            text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
            headings_style=heading,
            line_height=5.5,
        ) as table:
            row = table.row()
            for label in (_("Date"), _("What happened"), _("Amount"), _("Balance")):
                row.cell(label)
            for line in statement.lines:
                row = table.row()
                row.cell(_day(line.entry.effective_date))
                row.cell(str(describe(line.entry)))
                row.cell(_money(line.entry.amount, account))
                row.cell(_money(line.balance, account))
        pdf.ln(4)
    else:
        pdf.paragraph(_("Nothing was added to or taken off this account in this period."))
    pdf.paragraph(
        _(
            "You owed %(amount)s at the end of %(date)s.",
            amount=_money(statement.closing, account),
            date=_day(statement.last),
        ),
        bold=True,
    )
    _contact(pdf, creditor)
    return pdf.file()


def paid_in_full_pdf(paid: PaidInFull, creditor: Creditor, debtor: Debtor, today: date) -> bytes:
    account = paid.account
    pdf = _Document(creditor, _("Paid in full: account %(reference)s", reference=account.reference))
    pdf.paragraph(_day(today))
    pdf.paragraph(debtor.full_name)
    pdf.title_line(_("Paid in full"))
    pdf.facts(_who(account, debtor))
    for text in paid_in_full_words(paid, creditor, debtor):
        pdf.paragraph(text)
    _contact(pdf, creditor)
    return pdf.file()


def paid_in_full_words(paid: PaidInFull, creditor: Creditor, debtor: Debtor) -> list[str]:
    """The letter's paragraphs: the same on the page and in the PDF."""
    account = paid.account
    return [
        _("Dear %(name)s,", name=debtor.full_name),
        _(
            "This letter confirms that your account %(description)s, reference %(reference)s, was paid in full "
            "on %(date)s.",
            description=account.description,
            reference=account.reference,
            date=_day(paid.settled_on),
        ),
        _("There is nothing more to pay on this account. We will not ask you for any more money for it."),
        _("Keep this letter: it shows the account is paid."),
        _("From %(creditor)s", creditor=creditor.name),
    ]


def _who(account, debtor: Debtor) -> list[tuple[str, str]]:
    rows = [
        (_("Name"), debtor.full_name),
        (_("Account"), account.description),
        (_("Account reference"), account.reference),
        (_("Owed to"), account.current_creditor),
        (_("Original creditor"), account.original_creditor),
    ]
    if account.original_reference:
        rows.append((_("Original account number"), account.original_reference))
    return rows


def _contact(pdf: _Document, creditor: Creditor) -> None:
    if creditor.phone:
        pdf.paragraph(_("Questions? Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone))


def _money(minor: int, account) -> str:
    return money(minor, account.currency)


def _day(day: date) -> str:
    return long_date(day)


def _period(first: date, last: date) -> str:
    return _("%(first)s to %(last)s", first=_day(first), last=_day(last))
