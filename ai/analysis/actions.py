"""Pending actions promised in the call ("call back Thursday", "send me the options by text")."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, Sentence
from ai.analysis.when import When, find_when

# (action_type, label, cue), most specific first; a sentence yields its first matching type.
_ACTIONS: list[tuple[str, str, re.Pattern[str]]] = [
    (action_type, label, re.compile(cue, re.IGNORECASE))
    for action_type, label, cue in (
        ("reschedule", "Reschedule the appointment", r"\breschedul"),
        (
            "confirm_appointment",
            "Confirm the appointment",
            r"\bconfirm (the|your|my) appointment\b",
        ),
        ("follow_up_call", "Follow-up call", r"\bfollow[- ]?up\b|\bfollow up\b"),
        (
            "call_back",
            "Call back",
            r"\bcall (you|me|him|her|them|us) back\b|\bcall ?back\b"
            r"|\bgive (you|me|him|her) a call\b|\b(will|'ll|going to) call (you|me)\b",
        ),
        ("check_in", "Check in", r"\bcheck in (with|on)\b"),
        (
            "send_estimate",
            "Send the estimate",
            r"\b(send|email|text|mail)\b[^.?!]{0,30}\bestimates?\b",
        ),
        (
            "send_quote",
            "Send the quote",
            r"\b(send|email|text|mail)\b[^.?!]{0,30}\b(quotes?|proposal|bid)\b",
        ),
        (
            "send_contract",
            "Send the contract",
            r"\b(send|email|mail)\b[^.?!]{0,30}\b(contract|agreement|paperwork)\b",
        ),
        (
            "send_photos",
            "Send the photos",
            r"\b(send|email|text)\b[^.?!]{0,30}\b(photos|pictures|pics)\b",
        ),
        (
            "send_invoice",
            "Send the invoice",
            r"\b(send|email|mail)\b[^.?!]{0,30}\b(invoice|bill)\b",
        ),
        ("send_payment_link", "Send a payment link", r"\bpayment link\b"),
        (
            "send_info",
            "Send the information",
            r"\b(send|email|text|mail)( \w+){0,2} (me|us|you|over)\b"
            r"[^.?!]{0,30}\b(options|info|information|brochure|details|these|those|it|them)\b"
            r"|\bemail me\b",
        ),
        (
            "setup_financing",
            "Set up financing",
            r"\b(qualify for|apply for|set up|run)\b[^.?!]{0,30}\bfinancing\b"
            r"|\bfinancing\b[^.?!]{0,30}\bqualify\b",
        ),
    )
]
_CONTACT_METHODS = (
    ("sms", re.compile(r"\b(by text|text (me|you|it)|sms|text message)\b", re.IGNORECASE)),
    ("email", re.compile(r"\be-?mail\b", re.IGNORECASE)),
    ("phone", re.compile(r"\b(call|phone|follow[- ]?up)\b", re.IGNORECASE)),
)
_AGREEMENT = re.compile(r"\b(works|yes|yeah|sure|okay|ok|sounds good|perfect|great|fine)\b", re.I)


def find_pending_actions(call: CallText) -> list[dict[str, Any]]:
    """One entry per distinct action and due time, quoting the sentence that promised it."""
    actions = []
    seen: set[tuple[str, str | None]] = set()
    reference = call.transcript.recorded_at

    for sentence in call.sentences:
        found = _action_type(sentence.text)
        if found is None:
            continue
        action_type, label = found
        when = find_when(sentence.text)
        key = (action_type, when.phrase.lower() if when else None)
        if key in seen:
            continue
        seen.add(key)

        confirmed = _confirmed(call, sentence, when)
        due_at = when.resolve(reference) if when and reference else None
        actions.append(
            {
                "action": f"{label} {when.phrase}" if when else label,
                "action_type": action_type,
                "due_at": due_at.isoformat() if due_at else None,
                "contact_method": _contact_method(sentence.text, action_type),
                "priority": "medium",
                "confidence": 0.9 if confirmed else 0.7,
                "raw_text": sentence.text,
                **call.span(sentence),
            }
        )
    return actions


def _action_type(text: str) -> tuple[str, str] | None:
    for action_type, label, cue in _ACTIONS:
        if cue.search(text):
            return action_type, label
    return None


def _contact_method(text: str, action_type: str) -> str | None:
    for method, cue in _CONTACT_METHODS:
        if cue.search(text):
            return method
    if action_type in ("call_back", "follow_up_call", "check_in"):
        return "phone"
    return None


def _confirmed(call: CallText, sentence: Sentence, when: When | None) -> bool:
    """The other side agreed in the next turn, or repeated the time back."""
    next_turn = call.in_turn(sentence.turn_index + 1)
    reply = " ".join(other.text for other in next_turn)
    if not reply:
        return False
    if when and when.weekday is not None:
        repeated = find_when(reply)
        if repeated and repeated.weekday == when.weekday:
            return True
    return bool(_AGREEMENT.search(reply))
