"""A date a person types: the GOV.UK date input (Day, Month and Year boxes), one field for every form that asks.

A browser's date picker writes the date in the browser's own order (12/06/2026 for 6 December, on a
phone set to US English) whatever the debtor's region, so the portal asks for the day, the month and
the year in boxes of their own, labelled, in the order of the page's region, and says what is missing
by name ("Date of your first payment must include a month"). Drawn by `date_input` in
templates/partials/_forms.html.

A link or a hidden field may still send the date whole, as 2026-12-06 under the field's own name: it is
read the same, so links to a page with a date chosen keep working.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.utils import unset_value

#: the boxes, in the order they are read (the macro shows them in the order of the page's region)
PARTS = ("day", "month", "year")

_MISSING = {
    ("day",): _l("%(what)s must include a day"),
    ("month",): _l("%(what)s must include a month"),
    ("year",): _l("%(what)s must include a year"),
    ("day", "month"): _l("%(what)s must include a day and month"),
    ("day", "year"): _l("%(what)s must include a day and year"),
    ("month", "year"): _l("%(what)s must include a month and year"),
}


class DateInputField(Field):
    """Three boxes named `<name>-day`, `<name>-month` and `<name>-year`; `data` is the date, or None.

    `read()` checks what was typed and puts one message beside the boxes; `error_parts` are the boxes it
    is about (each gets a red border; the error summary links to the first).
    """

    def __init__(self, label=None, validators=None, *, required: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.day = self.month = self.year = ""
        self.error_parts: tuple[str, ...] = PARTS

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        self.typed = self.unreadable = False
        if formdata is not None:
            parts = [formdata.get(f"{self.name}-{part}") for part in PARTS]
            if any(value is not None for value in parts):
                self.day, self.month, self.year = ((value or "").strip() for value in parts)
                self.typed = True
                self.data = None
            elif formdata.get(self.name):
                try:
                    self.data = date.fromisoformat(formdata.get(self.name).strip())
                except ValueError:
                    self.typed = self.unreadable = True  # a date that is not one: read() says so
        if self.data is not None:
            self.show(self.data)

    def show(self, day: date) -> None:
        """Fill the boxes (and `data`) with a date: the one chosen, or the one the page suggests."""
        self.data = day
        self.day, self.month, self.year = str(day.day), str(day.month), str(day.year)

    @property
    def what(self) -> str:
        return str(self.label.text)

    @property
    def summary_id(self) -> str:
        """The box the error summary links to: the first one the message is about."""
        return f"{self.id}-{self.error_parts[0]}"

    def read(self) -> date | None:
        """The date typed, or None with a message in `errors` (nothing typed at all is a problem only when
        `required` says what to ask for)."""
        self.errors = list(self.process_errors)
        if not self.typed:
            if self.data is None and self.required:
                self._problem(self.required, PARTS)
            return self.data
        if self.unreadable:
            return self._problem(_l("%(what)s must be a real date", what=self.what), PARTS)
        parts = {"day": self.day, "month": self.month, "year": self.year}
        missing = tuple(part for part in PARTS if not parts[part])
        if len(missing) == len(PARTS):
            return self._problem(self.required, PARTS) if self.required else None
        if missing:
            return self._problem(str(_MISSING[missing]) % {"what": self.what}, missing)
        wrong = tuple(part for part in PARTS if not parts[part].isdigit())
        if wrong:
            return self._problem(_l("%(what)s must be a real date", what=self.what), wrong)
        if len(self.year) != 4:
            return self._problem(_l("Year must include 4 numbers"), ("year",))
        try:
            self.data = date(int(self.year), int(self.month), int(self.day))
        except ValueError:
            month_ok = 1 <= int(self.month) <= 12
            return self._problem(
                _l("%(what)s must be a real date", what=self.what), ("day",) if month_ok else ("month",)
            )
        return self.data

    def _problem(self, message, parts: tuple[str, ...]) -> None:
        self.errors = [message]
        self.error_parts = parts
        self.data = None
        return None
