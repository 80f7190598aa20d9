"""Extensions, created unbound and bound in create_app()."""

from flask import Flask, current_app
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from limits.strategies import RateLimiter
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()


class ClosingCompress(Compress):
    """Flask-Compress, but a streamed body it wraps (a static file) is still closed with the response:
    it swaps the body for a compressing generator and would leave the open file to the garbage collector."""

    def after_request(self, response):
        original = response.response
        response = super().after_request(response)
        if response.response is not original and hasattr(original, "close"):
            response.call_on_close(original.close)
        return response


#: brotli or gzip, whichever the browser takes, for pages, CSS and JS
compress = ClosingCompress()


class AppLimiter(Limiter):
    """A limiter whose counts live in the storage of the app handling the request.

    Flask-Limiter keeps one storage on the extension object, so when a process builds two apps (tests,
    a CLI beside a server) the last one bound would count for both, and an app on Redis could end up
    counting in another app's memory.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.extensions["limiter.storage"] = self._storage
        app.extensions["limiter.strategy"] = self._limiter

    @property
    def storage(self) -> Storage:
        return current_app.extensions["limiter.storage"]

    @property
    def limiter(self) -> RateLimiter:
        return current_app.extensions["limiter.strategy"]


limiter = AppLimiter(key_func=get_remote_address, default_limits=[])
