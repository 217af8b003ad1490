"""Imports every model module so the metadata (and Alembic) sees all tables."""

import importlib

MODEL_MODULES = (
    "otto.companies.models",
    "otto.users.models",
    "otto.audit",
    "otto.webhooks.inbox",
    "otto.idempotency",
)


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
