"""Run Alembic programmatically against the owner connection."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(owner_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Revision files read like a log: 20261203_1700_0001_foundation.py
    config.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s")
    config.attributes["url"] = owner_url
    return config


def upgrade(owner_url: str) -> None:
    command.upgrade(alembic_config(owner_url), "head")


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_heads())
