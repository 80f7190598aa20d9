"""The dispute form, the one-button original-creditor request and the statute-barred claim."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField

from portal.rights.attachments import AttachmentProblem, CheckedFile, check

#: the reasons, in the order they are offered, with the words the debtor sees
REASONS = {
    "not_mine": _l("This is not my debt"),
    "wrong_amount": _l("The amount is wrong"),
    "already_paid": _l("I have already paid it"),
    "other": _l("Something else"),
}
DETAILS_MAX = 2000


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


class DisputeForm(FlaskForm):
    #: one of REASONS (radios, drawn in the template)
    reason = StringField(_l("Why are you disputing this debt?"))
    details = TextAreaField(_l("Tell us more (optional)"))
    attachment = FileField(_l("Add a photo or document (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_file: CheckedFile | None = None

    def check(self, max_bytes: int) -> bool:
        """Read the answers; put a message that says what to do beside each field that needs one."""
        ok = True
        if self.reason.data not in REASONS:
            self.reason.errors = [_l("Choose why you are disputing this debt")]
            ok = False
        details = (self.details.data or "").strip()
        if self.reason.data == "other" and not details:
            self.details.errors = [_l("Tell us what is wrong with this debt")]
            ok = False
        elif len(details) > DETAILS_MAX:
            self.details.errors = [
                lazy_ngettext("Use %(num)d character or fewer", "Use %(num)d characters or fewer", DETAILS_MAX)
            ]
            ok = False
        upload = self.attachment.data
        if upload is not None and getattr(upload, "filename", None):
            result = check(upload.stream, upload.filename, max_bytes)
            if result is AttachmentProblem.TOO_LARGE:
                self.attachment.errors = [_l("The file must be smaller than %(size)s MB", size=megabytes(max_bytes))]
            elif result is AttachmentProblem.WRONG_TYPE:
                self.attachment.errors = [_l("The file must be a photo (JPG, PNG, WebP or HEIC) or a PDF")]
            elif result is AttachmentProblem.EMPTY:
                self.attachment.errors = [_l("The file is empty. Choose another file")]
            else:
                self.checked_file = result
            ok = ok and self.checked_file is not None
        return ok

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        """(field id, message) pairs for the error summary; the radios link to their first option."""
        pairs = [("reason-not_mine", str(message)) for message in self.reason.errors or []]
        pairs += [("details", str(message)) for message in self.details.errors or []]
        pairs += [("attachment", str(message)) for message in self.attachment.errors or []]
        return pairs


class RequestForm(FlaskForm):
    """Ask for the original creditor's name and address: one button (and its CSRF token)."""


class StatuteBarredForm(FlaskForm):
    """Tell us a debt is statute-barred (or, when it is, that you will not pay it): a few optional words."""

    details = TextAreaField(_l("Tell us more (optional)"))

    def check(self) -> bool:
        if len((self.details.data or "").strip()) > DETAILS_MAX:
            self.details.errors = [
                lazy_ngettext("Use %(num)d character or fewer", "Use %(num)d characters or fewer", DETAILS_MAX)
            ]
            return False
        return True

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [("details", str(message)) for message in self.details.errors or []]
