"""Marshmallow fields and formatting every area's output shares."""

import json
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


def parse_utc(value) -> datetime | None:
    """An ISO-8601 string (`Z` or an offset) as an aware datetime; naive is UTC; else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def json_list(text: str | None) -> list:
    """A JSON list kept in a text column (legacy call logs); anything else reads as empty."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []
