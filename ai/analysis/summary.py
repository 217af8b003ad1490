"""The call summary and its two-part segmentation, assembled from the other findings."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, is_company_side

# The proposal part of a sales visit starts where the rep first puts options or a price forward.
_PROPOSAL_START = re.compile(
    r"\$\s?\d|\b(options?|estimates?|proposal|quote|price|financing)\b", re.IGNORECASE
)


def summarize(
    call: CallText,
    call_type: str,
    objections: dict[str, Any],
    qualification: dict[str, Any],
    pending_actions: list[dict[str, Any]],
) -> dict[str, Any]:
    """A factual summary: who spoke, what was raised, how it ended, what is pending."""
    transcript = call.transcript
    kind = "Sales call" if call_type == "sales_call" else "CSR call"
    duration = _duration(transcript)
    opening = f"{kind} of {len(transcript.turns)} turns" + (
        f" over {duration / 60:.0f} minutes." if duration else "."
    )

    raised = [o["category_text"] for o in objections["objections"]]
    parts = [opening]
    parts.append(
        "The customer raised " + ", ".join(raised) + " objections."
        if raised
        else "No objections were raised."
    )
    if qualification["service_requested"]:
        parts.append(
            f'Customer asked for a service not offered: "{qualification["service_requested"]}".'
        )
    parts.append(f"Booking: {qualification['booking_status'].replace('_', ' ')}.")
    if pending_actions:
        parts.append("Pending: " + "; ".join(a["action"] for a in pending_actions[:3]) + ".")

    key_points = [
        f'{o["category_text"]}: "{o["objection_text"]}"' for o in objections["objections"]
    ]
    key_points += [
        f'Booking evidence: "{s["quote"]}"' for s in qualification["evidence"]["booking"]
    ]
    follow_up_types = ("follow_up_call", "call_back", "check_in", "schedule_appointment")
    return {
        "summary": " ".join(parts),
        "key_points": key_points,
        "action_items": [action["action"] for action in pending_actions],
        "next_steps": [a["action"] for a in pending_actions if a["action_type"] in follow_up_types],
        "pending_actions": pending_actions,
        "confidence_score": 0.6,
    }


def segment(call: CallText, call_type: str) -> dict[str, Any]:
    """Rapport/agenda before the first proposal sentence, proposal/close after (sales calls)."""
    empty = {
        "part1": None,
        "part2": None,
        "segmentation_confidence": None,
        "transition_point": None,
        "transition_indicators": [],
        "meeting_structure_score": None,
        "call_type": call_type,
        "outcome": None,
    }
    if call_type != "sales_call":
        return empty
    transition = next(
        (
            sentence
            for sentence in call.sentences
            if is_company_side(sentence.speaker) and _PROPOSAL_START.search(sentence.text)
        ),
        None,
    )
    if transition is None or transition.turn_index == 0:
        return empty

    turns = call.transcript.turns
    before, after = turns[: transition.turn_index], turns[transition.turn_index :]
    return {
        **empty,
        "part1": _part(before, "rapport_agenda"),
        "part2": _part(after, "proposal_close"),
        "segmentation_confidence": 0.5,
        "transition_point": transition.start,
        "transition_indicators": [transition.text],
        "meeting_structure_score": 1.0 if len(before) < len(after) else 0.5,
    }


def _part(turns, phase: str) -> dict[str, Any]:
    start, end = turns[0].start, turns[-1].end
    return {
        "start_time": start,
        "end_time": end,
        "duration": round(end - start, 2) if start is not None and end is not None else None,
        "content": " ".join(turn.text for turn in turns[:3])[:300],
        "key_points": [],
        "phase": phase,
    }


def _duration(transcript) -> float | None:
    starts = [turn.start for turn in transcript.turns if turn.start is not None]
    ends = [turn.end for turn in transcript.turns if turn.end is not None]
    if not starts or not ends:
        return None
    return max(ends) - min(starts)
