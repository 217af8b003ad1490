"""Names, phone numbers and emails said in the call, and the rep's name."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, is_company_side, is_customer_side

_PHONE = re.compile(r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# "This is Jane Roe", "my name is Sam", "I'm Jordan": one or two capitalised words.
_SELF_INTRODUCTION = re.compile(
    r"\b(?:this is|my name is|i'?m|i am)\s+(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+)?)\b"
)
# A company greeting that names the customer: "Hey, Chris."
_GREETED_NAME = re.compile(
    r"^\W*(?:hi|hey|hello|good (?:morning|afternoon|evening)),? (?P<name>[A-Z][a-z]+)\b"
)
# Introductions happen at the start; later "this is ..." is usually about something else.
INTRODUCTION_TURNS = 6
_NOT_NAMES = {"Calling", "Sorry", "Here", "Just", "Still", "Not", "Okay", "So", "Good", "Fine"}


def extract_entities(call: CallText, qualification: dict[str, Any]) -> dict[str, Any]:
    customer_text = " ".join(s.text for s in call.sentences if is_customer_side(s.speaker))
    phone = _PHONE.search(customer_text)
    email = _EMAIL.search(customer_text)
    return {
        "name": _introduced_name(call, customer=True),
        "phone": phone.group() if phone else None,
        "email": email.group() if email else None,
        "address": qualification["service_address_raw"],
        "appointment_date": qualification["appointment_date"],
        "scheduled_time": qualification["appointment_date"],
    }


def rep_details(call: CallText) -> dict[str, Any]:
    name = _introduced_name(call, customer=False)
    return {"rep_name": name, "rep_name_confidence": 0.8 if name else None}


def _introduced_name(call: CallText, *, customer: bool) -> str | None:
    # With unknown speakers nobody can tell whose introduction it is.
    if not call.transcript.speakers_known:
        return None
    side = is_customer_side if customer else is_company_side
    opening = [s for s in call.sentences if s.turn_index < INTRODUCTION_TURNS]
    for sentence in opening:
        match = _SELF_INTRODUCTION.search(sentence.text) if side(sentence.speaker) else None
        if match and match.group("name").split()[0] not in _NOT_NAMES:
            return match.group("name")
    if customer:
        for sentence in opening:
            match = _GREETED_NAME.search(sentence.text)
            if (
                match
                and is_company_side(sentence.speaker)
                and match.group("name") not in _NOT_NAMES
            ):
                return match.group("name")
    return None
