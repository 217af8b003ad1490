"""Spoken dates and times."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ai.analysis.when import find_when

MONDAY_MORNING = datetime(2025, 7, 14, 10, 0, tzinfo=ZoneInfo("America/Chicago"))


@pytest.mark.parametrize(
    "text, phrase, resolved, window",
    [
        (
            "Can we talk Thursday at four?",
            "Thursday at four",
            "2025-07-17T16:00:00-05:00",
            "afternoon",
        ),
        (
            "Come by this coming friday at 10:30 am",
            "this coming friday at 10:30 am",
            "2025-07-18T10:30:00-05:00",
            "morning",
        ),
        (
            "Next Monday morning works",
            "Next Monday morning",
            "2025-07-21T09:00:00-05:00",
            "morning",
        ),
        (
            "He'll be out tomorrow, arriving between 9 and 10.",
            "tomorrow, arriving between 9 and 10",
            "2025-07-15T09:00:00-05:00",
            "morning",
        ),
        ("Call me tonight", "tonight", "2025-07-14T18:00:00-05:00", "evening"),
    ],
)
def test_spoken_times_resolve_against_the_call(text, phrase, resolved, window):
    when = find_when(text)

    assert when.phrase == phrase
    assert when.window == window
    assert when.resolve(MONDAY_MORNING).isoformat() == resolved


def test_a_time_without_a_day_does_not_resolve():
    when = find_when("Let's say at 4pm then.")

    assert (when.hour, when.window) == (16, "afternoon")
    assert when.resolve(MONDAY_MORNING) is None


def test_no_time_in_text():
    assert find_when("The financing runs for eighteen months at 0%.") is None
