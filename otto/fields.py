"""Marshmallow fields and formatting every area's output shares."""

from datetime import datetime, timezone

import marshmallow as ma


def utc_iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z` suffix; naive values are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class UtcDateTime(ma.fields.DateTime):
    """A datetime written as ISO-8601 UTC with `Z`, whatever the database session's timezone."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return utc_iso(value)
