"""Response headers that keep tokens and pages safe: CSP, no referrer, no framing."""

import secrets

from flask import Flask, Response, current_app, g


def is_local_path(path: str) -> bool:
    """A path on this site ("/plans/..."), never another host ("//evil.example", "https://...")."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


def csp_nonce() -> str:
    """A per-response nonce for our one inline <style> (the creditor's colour); never for scripts."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_script_host(origin: str) -> None:
    """Let this one response load scripts (and frames) from a host, e.g. Stripe.js on card entry."""
    g.setdefault("csp_script_hosts", []).append(origin)


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
        "form-action": "'self'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _set_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["HSTS_SECONDS"]:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
