"""The `otto` command: run, worker, scheduler, migrate, token, demo, reindex, webhooks replay."""

import atexit
import logging
import os
import signal
import subprocess
import sys
import time

import click

log = logging.getLogger("otto.cli")


def _servers():
    from otto.config import Settings
    from otto.runtime import start_embedded

    settings = Settings.from_env()
    servers = start_embedded(settings)
    atexit.register(servers.stop, shared=True)
    return settings, servers


def _app(servers=None):
    from otto import create_app

    if servers is None:
        return create_app()
    return create_app(database_url=servers.database_url, redis_url=servers.redis_url)


@click.group()
def main() -> None:
    """Otto: AI backend for home-services sales teams."""


@main.command()
def migrate() -> None:
    """Upgrade the database schema to the latest revision."""
    from otto.migrate import upgrade

    _, servers = _servers()
    upgrade(servers.database_owner_url)
    click.echo("database is at the latest revision")


@main.command()
@click.option("--company", "company_id", required=True)
@click.option("--user", "user_id", required=True)
@click.option("--role", type=click.Choice(["manager", "csr", "sales_rep"]), required=True)
@click.option("--create", is_flag=True, help="Create the company and user when absent.")
@click.option("--ttl-hours", default=12, show_default=True, type=click.IntRange(min=1, max=24 * 30))
def token(company_id, user_id, role, create, ttl_hours) -> None:
    """Print a local-issuer bearer token."""
    from otto.auth.tokens import mint_local_token

    settings, servers = _servers()
    if settings.clerk_enabled:
        raise click.ClickException("Clerk is configured: local tokens are refused, use Clerk session tokens")
    if create:
        from otto.demo import ensure_user

        with _app(servers).app_context():
            ensure_user(company_id, user_id, role)
    click.echo(mint_local_token(settings.jwt_secret, user_id=user_id, company_id=company_id, role=role,
                                ttl_seconds=ttl_hours * 3600))


@main.command()
def demo() -> None:
    """Create the demo company (idempotent) and print a manager token and the URLs."""
    from otto.demo import load_demo, print_welcome

    settings, servers = _servers()
    with _app(servers).app_context():
        load_demo()
    print_welcome(settings, os.environ.get("PORT", "5000"))


@main.command()
@click.option("--queues", default="default,ai,ingest,sms", show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues, burst) -> None:
    """Run one RQ worker on the given queues."""
    from jobs.worker import make_worker

    app = _app()
    connection = app.extensions["otto"].redis
    make_worker(app, queues.split(","), connection).work(burst=burst, with_scheduler=False)


@main.command()
def scheduler() -> None:
    """Run the scheduler (scheduled jobs and periodic ticks); run exactly one."""
    from jobs.scheduler import run_scheduler

    app = _app()
    run_scheduler(app, app.extensions["otto"].redis)


@main.command()
@click.option("--company", "company_id", help="Only this company (default: every company).")
@click.option("--force", is_flag=True, help="Also re-index documents already at the active model.")
def reindex(company_id, force) -> None:
    """Queue re-indexing of documents whose chunks are not of the active embedding model."""
    from sqlalchemy import select

    from jobs.ingest import reindex_company
    from jobs.queues import enqueue
    from otto.companies.models import Company
    from otto.db import db

    with _app().app_context():
        company_ids = [company_id] if company_id else db.session.execute(select(Company.id)).scalars().all()
        for each in company_ids:
            enqueue("ingest", reindex_company, each, force, job_id=f"reindex-{each}", company_id=each,
                    after_commit=False)
    click.echo(f"re-indexing queued for {len(company_ids)} company(ies); `otto worker` carries it out")


@main.group()
def webhooks() -> None:
    """Stored webhook deliveries."""


@webhooks.command("replay")
@click.argument("event_id")
def webhooks_replay(event_id) -> None:
    """Re-run a failed or unmatched event through the same idempotent handler."""
    from otto.webhooks.processing import replay

    with _app().app_context():
        click.echo(replay(event_id))


@main.command()
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), show_default="5000")
@click.option("--host", default="127.0.0.1", show_default=True)
def run(port, host) -> None:
    """Start API, one worker and the scheduler (embedded servers when unconfigured)."""
    from otto.migrate import upgrade

    settings, servers = _servers()
    upgrade(servers.database_owner_url)
    from otto.demo import load_demo, print_welcome

    with _app(servers).app_context():
        load_demo(only_if_empty=True)

    env = dict(os.environ, DATABASE_URL=servers.database_url, DATABASE_OWNER_URL=servers.database_owner_url,
               REDIS_URL=servers.redis_url, OTTO_DATA_DIR=str(settings.data_dir), PORT=str(port))
    binary = os.path.dirname(sys.executable)
    children = [
        subprocess.Popen([os.path.join(binary, "gunicorn"), "--workers", "2", "--threads", "4",
                          "--bind", f"{host}:{port}", "--access-logfile", "-", "--log-level", "warning",
                          "wsgi:app"], env=env),
        subprocess.Popen([os.path.join(binary, "otto"), "worker"], env=env),
        subprocess.Popen([os.path.join(binary, "otto"), "scheduler"], env=env),
    ]
    print_welcome(settings, port, host)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        servers.stop()
        click.echo("otto stopped")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for child in children:
            if child.poll() is not None:
                click.echo(f"a child process exited ({child.args[-1]}); stopping", err=True)
                stop()
        time.sleep(1)
