"""Otto: the Flask application factory. Importing this package does nothing else."""

import logging

from flask import Flask

def create_app(settings=None, *, database_url: str | None = None, redis_url: str | None = None) -> Flask:
    """Build the app; with DATABASE_URL / REDIS_URL unset, start (or join) the embedded servers."""
    from flask_cors import CORS

    from otto import transactions  # noqa: F401  (registers the after-commit hooks)
    from otto.api import register_api
    from otto.auth.tokens import TokenVerifier
    from otto.clerk import ClerkClient
    from otto.config import Settings
    from otto.crypto import configure_encryption
    from otto.db import db
    from otto.errors import register_error_handlers
    from otto.extensions import Metrics, OttoState
    from otto.http import RequestContextFilter, register_request_hooks
    from otto.tenancy import check_app_role
    from otto.models import import_all_models

    settings = settings or Settings.from_env()
    database_url = database_url or settings.database_url
    redis_url = redis_url or settings.redis_url
    servers = None
    if not database_url or not redis_url:
        from otto.runtime import start_embedded

        servers = start_embedded(settings)
        database_url = database_url or servers.database_url
        redis_url = redis_url or servers.redis_url

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["SECRET_KEY"] = settings.secret_key
    app.json.sort_keys = False
    configure_logging(settings.log_level, RequestContextFilter())

    import_all_models()
    configure_encryption(settings.secret_key)
    db.bind(database_url)
    check_app_role(db.engine)
    clerk = ClerkClient(settings)
    app.extensions["otto"] = OttoState(
        settings=settings,
        verifier=TokenVerifier(settings, clerk if settings.clerk_secret_key else None),
        redis_url=redis_url,
        metrics=Metrics.create(),
        clerk=clerk,
        embedded=servers,  # held so the embedded servers live as long as the app
    )

    # CORS first: after-request hooks run in reverse, so CORS headers go on whatever response the
    # commit boundary in register_request_hooks ends up sending (a failed commit becomes a problem).
    CORS(app, origins=settings.cors_origins, expose_headers=["X-Request-Id", "Idempotent-Replayed"])
    register_error_handlers(app)
    register_request_hooks(app)
    register_api(app)
    return app


def configure_logging(level: str, context_filter: logging.Filter) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_otto", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._otto = True
    handler.addFilter(context_filter)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(company_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
