"""Spoken dates and times ("Thursday at four", "tomorrow between 9 and 10") and their resolution."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "noon": 12,
}
# An hour is 1–23 or a number word, and not an amount ("at 0%", "at 18 months").
_HOUR = (
    r"(?P<hour>1\d|2[0-3]|0?[1-9]|" + "|".join(_HOUR_WORDS) + r")"
    r"(?![\d%])(?! ?(percent|months?|years?|days?|weeks?|dollars|grand|thousand|hundred)\b)"
)
_CLOCK = (
    r"(?:at|around|by|after|before|between) " + _HOUR + r"(?::(?P<minute>\d\d))?"
    r"(?:\s?(?P<meridiem>[ap]\.?m\.?|o'?clock))?(?: and \d{1,2}(?::\d\d)?)?"
)
_DAY = (
    r"(?:(?:on |this |next |this coming )?(?P<weekday>" + "|".join(WEEKDAYS) + r")"
    r"|(?P<relative>today|tonight|tomorrow|next week|this week|end of the week))"
)
_PART = r"(?:,? (?:in the )?(?P<part>morning|afternoon|evening))"
_WHEN = re.compile(
    _DAY
    + r"(?:,? "
    + _CLOCK
    + r")?"
    + _PART
    + r"?"
    + r"|"
    + _CLOCK.replace("?P<", "?P<c_")
    + r"\b",
    re.IGNORECASE,
)

_LATER_CLOCK = re.compile(_CLOCK + r"\b", re.IGNORECASE)


@dataclass(frozen=True)
class When:
    """A spoken time: `phrase` is verbatim text; the other fields are what it pins down."""

    phrase: str
    weekday: int | None = None
    relative: str | None = None
    hour: int | None = None
    minute: int = 0
    window: str | None = None

    def resolve(self, reference: datetime) -> datetime | None:
        """The moment meant, counted from `reference` (keeps its timezone); None if no day."""
        if self.weekday is not None:
            ahead = (self.weekday - reference.weekday()) % 7 or 7
            day = reference + timedelta(days=ahead)
        elif self.relative in ("today", "tonight"):
            day = reference
        elif self.relative == "tomorrow":
            day = reference + timedelta(days=1)
        elif self.relative == "next week":
            day = reference + timedelta(days=7 - reference.weekday())
        else:
            return None
        hour = self.hour if self.hour is not None else _WINDOW_START.get(self.window or "", 9)
        return day.replace(hour=hour, minute=self.minute, second=0, microsecond=0)


_WINDOW_START = {"morning": 9, "afternoon": 13, "evening": 18}


def find_when(text: str) -> When | None:
    """The first date or time expression in `text`, or None."""
    match = _WHEN.search(text)
    if not match:
        return None
    groups = {key.removeprefix("c_"): value for key, value in match.groupdict().items() if value}
    end = match.end()

    # "tomorrow ... between 9 and 10": a day and a clock time apart in one sentence.
    if "hour" not in groups and ("weekday" in groups or "relative" in groups):
        clock = _LATER_CLOCK.search(text, match.end())
        if clock and clock.start() - match.end() <= 100:
            groups.update({key: value for key, value in clock.groupdict().items() if value})
            end = clock.end()

    weekday = WEEKDAYS.index(groups["weekday"].lower()) if "weekday" in groups else None
    relative = groups.get("relative", "").lower() or None
    hour = _hour(groups.get("hour"), groups.get("meridiem", ""), groups.get("part"))
    window = (groups.get("part") or "").lower() or _window(hour)
    if relative == "tonight":
        window = "evening"
    return When(
        phrase=text[match.start() : end].strip(),
        weekday=weekday,
        relative=relative,
        hour=hour,
        minute=int(groups.get("minute") or 0),
        window=window,
    )


def _hour(raw: str | None, meridiem: str, part: str | None) -> int | None:
    if raw is None:
        return None
    hour = int(raw) if raw.isdigit() else _HOUR_WORDS[raw.lower()]
    if hour > 23:
        return None
    marker = meridiem.lower().replace(".", "")
    if marker == "pm" and hour < 12:
        return hour + 12
    if marker == "am":
        return hour % 12
    if hour > 12:
        return hour
    if part and part.lower() in ("afternoon", "evening") and hour < 12:
        return hour + 12
    # Without am/pm, business hours decide: 7 to 11 is morning, 12 to 6 is afternoon.
    return hour + 12 if 1 <= hour <= 6 else hour


def _window(hour: int | None) -> str | None:
    if hour is None:
        return None
    if hour < 12:
        return "morning"
    return "afternoon" if hour < 17 else "evening"
