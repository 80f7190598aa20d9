"""Response headers that keep tokens and pages safe: CSP, no referrer, no framing."""

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g


def is_local_path(path: str) -> bool:
    r"""A path on this site ("/plans/..."), never another host ("//evil.example", "https://...").

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil.example"
    and "/\evil.example" both mean //evil.example: any of those, and any invisible or space-like
    character, refuses the path outright. Percent-escapes ("/%09/x") stay literal, so they are fine.
    """
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if not all(_plainly_visible(char) for char in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def _plainly_visible(char: str) -> bool:
    """Not a control character (C0, DEL, C1), format character (zero-width, bidi) or any kind of space."""
    return char.isprintable() and not char.isspace()


def csp_nonce() -> str:
    """A per-response nonce for our one inline <style> (the creditor's colour); never for scripts."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_script_host(origin: str) -> None:
    """Let this one response load scripts (and frames) from a host, e.g. Stripe.js on card entry."""
    g.setdefault("csp_script_hosts", []).append(origin)


def _quick_exit_origin() -> str:
    """Exit this page posts to us and is redirected there; browsers hold that redirect to form-action too.
    The site is the one the page's button names (portal.help.quick_exit); a response that drew no button
    (a static file, a redirect) names the default, and finds no debtor or link to do it."""
    url = urlsplit(g.get("quick_exit_url") or current_app.config["QUICK_EXIT_URL"])
    return f"{url.scheme}://{url.netloc}"


def content_security_policy() -> str:
    hosts = " ".join(g.get("csp_script_hosts", []))
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {hosts}".strip(),
        "style-src": f"'self' 'nonce-{csp_nonce()}'",
        "img-src": "'self' data:",
        "connect-src": f"'self' {hosts}".strip(),
        "frame-src": hosts or "'none'",
        "frame-ancestors": "'none'",
        "form-action": f"'self' {_quick_exit_origin()}",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _set_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["HSTS_SECONDS"]:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
