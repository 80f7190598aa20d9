"""The debtor portal: create_app() builds it."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import (
    DEVELOPMENT_ENVIRONMENTS,
    development_secret_key,
    instance_dir,
    production_problems,
    settings_from,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app with settings read from `environ` (the process environment unless given) now, then
    `test_config` on top: a test can build an app with any settings without a new process."""
    if environ is None:
        environ = os.environ
    app = Flask(__name__, instance_path=str(instance_dir(environ)))
    app.config.update(settings_from(environ))
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"] and app.config["PORTAL_ENV"] in DEVELOPMENT_ENVIRONMENTS:
        app.config["SECRET_KEY"] = development_secret_key(Path(app.instance_path))
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("Set SECRET_KEY (or PORTAL_ENV=development for a generated one).")
    problems = production_problems(app.config)
    if problems:
        raise RuntimeError("Refusing to start with PORTAL_ENV=production:\n- " + "\n- ".join(problems))
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from portal import i18n, logs, security, sessions, templating, transaction
    from portal.extensions import compress, csrf, db, htmx, limiter, migrate
    from portal.models.types import render_migration_type

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    csrf.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    logs.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    transaction.init_app(app)

    from portal import staff

    # The staff session, and a view as a debtor, are known before any view or hook asks who is signed in.
    staff.init_app(app)

    from portal import trusted

    # Likewise a helper the debtor trusts: their visit is known, and policed, before any debtor page is drawn.
    trusted.init_app(app)

    from portal import api, demo, errors, health, imports, links, payments, reminders, rights, sms, stop
    from portal import help as help_pages
    from portal.accounts.views import bp as accounts_bp
    from portal.budget.views import bp as budget_bp
    from portal.jobs import cli as jobs_cli
    from portal.plans.cli import plans_cli
    from portal.plans.views import bp as plans_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.promises.views import bp as promises_bp
    from portal.webhooks import cli as webhooks_cli

    app.register_blueprint(health.bp)
    links.init_app(app)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(budget_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(promises_bp)
    app.register_blueprint(privacy_bp)
    payments.init_app(app)
    rights.init_app(app)
    help_pages.init_app(app)
    app.register_blueprint(stop.bp)
    sms.init_app(app)
    reminders.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    demo.init_app(app)
    imports.init_app(app)
    jobs_cli.init_app(app)
    app.cli.add_command(plans_cli)
    webhooks_cli.init_app(app)
    return app
