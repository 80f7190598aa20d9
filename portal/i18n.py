"""Language and time zone for each request: English and Spanish, chosen by the person."""

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.support import Translations
from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_login import current_user

from portal.extensions import babel
from portal.models import Debtor
from portal.security import is_local_path


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if current_user.is_authenticated:
        return current_user.effective_timezone
    return None


def formatting_locale(account_currency_locale: str | None = None, language: str | None = None) -> str:
    """The Babel locale for numbers and dates: the language chosen, in the creditor's region.

    English in the US writes "$1,234.56", in the UK "£1,234.56"; Spanish in the US writes
    "$1,234.56" too (es_US), where Babel knows the pair; otherwise the language's own style.
    `language` defaults to the request's (or `force_locale`'s).
    """
    language = language or str(get_locale())
    if not account_currency_locale:
        return language
    regional = f"{language}_{account_currency_locale.split('_')[-1]}"
    return regional if _babel_knows(regional) else language


@cache
def babel_locale(identifier: str) -> Locale:
    """The Babel Locale for "en_US", parsed once per process: Babel's formatting functions, given a name,
    parse it and look up its data again on every call, which was half of what formatting an amount cost."""
    return Locale.parse(identifier)


def language_of(debtor: Debtor) -> str:
    """The language we write to a debtor in away from a page (emails): their choice, else the creditor's."""
    return debtor.locale or debtor.creditor.locale.split("_")[0]


def formatting_locale_for(debtor: Debtor) -> str:
    """`formatting_locale` for a debtor away from a page (emails and jobs)."""
    return formatting_locale(debtor.creditor.locale, language_of(debtor))


@cache
def _babel_knows(locale: str) -> bool:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def translations() -> Translations:
    """The catalog for the language in use, looked up once while that language lasts (a request, or a
    `force_locale` block): flask-babel looks it up again for every string, which cost a page of 50 strings
    more than its database reads. Keyed on the locale itself, so `refresh()` and `force_locale` still switch."""
    locale = get_locale()
    found = g.get("translations")
    if found is None or found[0] is not locale:
        found = g.translations = (locale, get_translations())
    return found[1]


bp = Blueprint("language", __name__)


def _safe_next(target: str | None) -> str:
    """Only ever go back to a path on this site."""
    if target and is_local_path(target):
        return target
    return url_for("links.home")


@bp.post("/language")
def choose_language():
    chosen = request.form.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
    return redirect(_safe_next(request.form.get("next")))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.register_blueprint(bp)

    @app.context_processor
    def language_context():
        return {"current_language": str(get_locale()), "languages": app.config["LANGUAGES"]}
