"""PatentDesk: the application factory."""
from __future__ import annotations

from flask import Flask

from .config import load_config
from .extensions import csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
        app.config["RATELIMIT_STORAGE_URI"] = test_config.get(
            "RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")

    from . import accounts, logs
    logs.configure(app)
    if app.config.get("TRUSTED_PROXIES"):
        # The client's address as the nearest trusted proxy saw it; without proxies the header is
        # the client's own claim and is ignored, so it cannot dodge the per-address throttle.
        from werkzeug.middleware.proxy_fix import ProxyFix
        proxies = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    accounts.configure_password_hashing(app.config["PASSWORD_HASHING"])

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from . import odd_input
    odd_input.init_app(app)  # before any route is added, and before any other request hook runs

    from . import audit, files, jobs, models, single_line, tenancy, web  # noqa: F401  (models and listeners register on import)
    from .patents.docketing import closures as docketing_closures  # noqa: F401
    from .patents.docketing import models as docketing_models  # noqa: F401
    single_line.install()
    web.init_app(app)

    from .blueprints import BLUEPRINTS
    for blueprint in BLUEPRINTS():
        app.register_blueprint(blueprint)

    from . import cli
    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path
    return str(Path(__file__).resolve().parent.parent / "migrations")
