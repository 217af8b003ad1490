"""Imports every model module so the metadata (and Alembic) sees all tables."""

import importlib

from otto.api import AREAS, area_module

SHARED_MODEL_MODULES = ("otto.audit", "otto.webhooks.inbox", "otto.idempotency")


def import_all_models() -> None:
    for module in SHARED_MODEL_MODULES:
        importlib.import_module(module)
    for area in AREAS:
        area_module(area, "models")
