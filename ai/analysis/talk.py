"""Talk and listen time per side and the longest monologue, from turn times or word counts."""

from __future__ import annotations

from typing import Any

from ai.transcript import Transcript, Turn

# Speaking rate used when a turn has no usable start/end times.
WORDS_PER_SECOND = 2.5


def talk_listen(transcript: Transcript) -> dict[str, Any] | None:
    """Seconds spoken by the company side and by the customer; None when speakers are unknown."""
    if not transcript.speakers_known:
        return None

    rep_seconds = customer_seconds = 0.0
    longest: tuple[float, int] | None = None
    for turn_index, turn in enumerate(transcript.turns):
        seconds = turn_seconds(turn)
        if turn.speaker == "customer":
            customer_seconds += seconds
        else:
            rep_seconds += seconds
        if longest is None or seconds > longest[0]:
            longest = (seconds, turn_index)

    monologue = None
    if longest is not None:
        seconds, turn_index = longest
        turn = transcript.turns[turn_index]
        monologue = {
            "speaker": turn.speaker,
            "turn_index": turn_index,
            "start": turn.start,
            "end": turn.end,
            "seconds": round(seconds, 2),
        }
    return {
        "rep_talk_seconds": round(rep_seconds, 2),
        "customer_talk_seconds": round(customer_seconds, 2),
        "longest_monologue": monologue,
    }


def talk_time_ratio(talk: dict[str, Any] | None) -> float | None:
    """Rep talk over all talk, 0–1."""
    if talk is None:
        return None
    total = talk["rep_talk_seconds"] + talk["customer_talk_seconds"]
    return round(talk["rep_talk_seconds"] / total, 3) if total else None


def engagement_score(talk: dict[str, Any] | None) -> float | None:
    """Twice the customer's share of talk, capped at 1: a customer talking half the time is fully
    engaged."""
    if talk is None:
        return None
    total = talk["rep_talk_seconds"] + talk["customer_talk_seconds"]
    return round(min(1.0, 2 * talk["customer_talk_seconds"] / total), 3) if total else None


def turn_seconds(turn: Turn) -> float:
    if turn.start is not None and turn.end is not None and turn.end > turn.start:
        return turn.end - turn.start
    return len(turn.text.split()) / WORDS_PER_SECOND
