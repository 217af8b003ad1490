"""The migration history stays linear: exactly one Alembic head."""

from otto.migrate import heads


def test_single_alembic_head():
    assert len(heads()) == 1, f"several heads: {heads()}"
