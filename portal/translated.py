"""Text a creditor sends us, in the reader's language when the creditor gave us that language too.

A creditor names things in its own words ("Credit card", "Late payment fee") and may send other languages
beside them ({"es": "Tarjeta de crédito"}). Pages, emails and letters show the version for the language
they are drawn in, and the creditor's own words when it sent none: we never translate a creditor's words
ourselves. Text the portal writes itself is never stored as words (see portal.accounts.wording).
"""

from collections.abc import Mapping

from flask_babel import get_locale

#: languages a creditor may send a name in, besides its own words (the portal's languages but English,
#: which is what the creditor's own words are taken to be)
OTHER_LANGUAGES = ("es",)


def current_language() -> str | None:
    """The language being drawn in (a request's, or `force_locale`'s); None away from both."""
    try:
        locale = get_locale()
    except RuntimeError:  # an app context with no request and no force_locale: nobody is reading
        return None
    return locale.language if locale is not None else None


def in_language(text: str | None, translations: Mapping[str, str] | None, language: str | None = None) -> str | None:
    """`text` in `language` (default: the one being drawn in) when the creditor sent it, else `text` itself."""
    if not translations:
        return text
    language = language or current_language()
    return (translations.get(language) if language else None) or text


def clean_translations(values: Mapping[str, str | None] | None) -> dict[str, str] | None:
    """The translations worth keeping: known languages, with text; None when there are none."""
    kept = {language: " ".join(str(text).split()) for language, text in (values or {}).items() if text}
    kept = {language: text for language, text in kept.items() if language in OTHER_LANGUAGES and text}
    return kept or None
