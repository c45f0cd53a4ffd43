"""Flask extensions, created here and attached to the app in ``create_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class MigrateOnDemand:
    """Flask-Migrate, set up the first time something asks for it (``coverdesk db``, the
    migrations' env.py, ``flask_migrate.upgrade``): importing it imports Alembic, ~70 ms that every
    other command and every web worker paid at start-up for nothing."""

    def __init__(self, app, **options):
        self._app, self._options, self._config = app, options, None

    def __getattr__(self, name):
        if self._config is None:
            from flask_migrate import Migrate

            Migrate(self._app, db, **self._options)  # puts its own config (and `db`) in the app
            self._config = self._app.extensions["migrate"]
        return getattr(self._config, name)


login_manager = LoginManager()
csrf = CSRFProtect()
#: Rate limits (login throttling and lockout, per-token API limits); storage from
#: RATELIMIT_STORAGE_URI: Redis when COVERDESK_REDIS_URL is set, else this process's memory.
limiter = Limiter(key_func=get_remote_address)
