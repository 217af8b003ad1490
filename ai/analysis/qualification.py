"""Lead qualification: BANT scores with evidence, booking and appointment, service asked for."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, Sentence, is_company_side, is_customer_side
from ai.analysis.when import find_when


def _cue(expression: str) -> re.Pattern[str]:
    return re.compile(expression, re.IGNORECASE)


# Each BANT dimension: (score, who may say it, cue), strongest first. A dimension scores the
# strongest level any sentence reaches; no evidence at all scores 0.
_BANT_LEVELS: dict[str, list[tuple[float, str, re.Pattern[str]]]] = {
    "budget": [
        (
            1.0,
            "customer",
            _cue(
                r"\b(our|my) budget (is|was)\b|\b(we|i) (can|could) (afford|spend"
                r"|do) (about|around|up to|\$)|\b(mastercard|visa|credit card|debit"
                r" card|checkbook)\b|\bput (\$?\d[\d,]*|money)( \w+)? down\b"
            ),
        ),
        (
            0.6,
            "customer",
            _cue(
                r"\b(financing|monthly payment|payment|price|cost|budget|afford"
                r"|how much)\b"
            ),
        ),
        (0.3, "company", _cue(r"\$\s?\d|\b\d[\d,]* dollars\b")),
    ],
    "authority": [
        (
            1.0,
            "customer",
            _cue(
                r"\b(i'?m|i am|we'?re|we are) the (home ?)?owners?\b|\bmy (house"
                r"|home|property)\b|\b(i|we) make the decisions?\b|\bmy call\b"
            ),
        ),
        (
            0.5,
            "customer",
            _cue(r"\b(my|our) (wife|husband|spouse|partner)\b|\btalk to (her|him)\b"),
        ),
        (0.2, "customer", _cue(r"\blandlord\b|\b(renter|tenant)\b|\bhoa\b|\bcondo board\b")),
    ],
    "need": [
        (
            1.0,
            "customer",
            _cue(
                r"\b(leak|leaking|leaks|broken|not working|stopped working|won'?t"
                r" (turn on|start|cool|heat|drain)|backed up|clogged|damage|damaged"
                r"|mold|missing shingles|no (heat|hot water|ac|air)|old unit|blowing"
                r" warm|tripping|flooding|emergency)\b"
            ),
        ),
        (
            0.7,
            "customer",
            _cue(
                r"\binterested (in|on)\b|\b(i|we) (want|need|would like) (a|an|to"
                r" get|the) (new|replacement|quote|estimate|repair)\b"
            ),
        ),
        (
            0.5,
            "company",
            _cue(
                r"\b(leak|damage|mold|efficiency drop|old|worn|failing|rusted"
                r"|cracked)\b"
            ),
        ),
    ],
    "timeline": [
        (
            1.0,
            "any",
            _cue(
                r"\b(asap|as soon as possible|right away|emergency|urgent|immediately"
                r"|next available|this week)\b|\b(come|out|here|fix|done|someone"
                r"|somebody|available|going)\b[^.?!]{0,20}\b(today|tonight|tomorrow)\b"
            ),
        ),
        (
            0.7,
            "any",
            _cue(
                r"\b(next week|this month|next month|before (winter|summer|the rain"
                r"|the holidays))\b|\b(monday|tuesday|wednesday|thursday|friday"
                r"|saturday)\b"
            ),
        ),
        (
            0.3,
            "customer",
            _cue(
                r"\b(next year|no rush|eventually|someday|not in a hurry|few"
                r" months)\b"
            ),
        ),
    ],
}
_URGENCY = _cue(r"\b(asap|as soon as possible|right away|emergency|urgent|immediately|tonight)\b")
_DECISION_MAKERS = _cue(
    r"\b(wife|husband|spouse|partner|landlord|hoa|condo board|father"
    r"|mother|parents)\b"
)

# A visit set for a day and time; follow-up calls are pending actions, not appointments.
_APPOINTMENT = _cue(
    r"\b(appointment|inspection|come out|going out|be out|stop by|swing by"
    r"|technician|tech|crew|install|installation|visit|estimate|on site)\b"
    r"|\b(schedule|book|put you down|get you (in|on))\b"
)
_FOLLOW_UP_ONLY = _cue(r"\bfollow[- ]?up\b|\bcall (you|me) back\b|\bcheck in\b")
_AGREES = _cue(
    r"^\W*(yes|yeah|yep|sure|ok|okay|perfect|great|sounds good|that works|works"
    r"|see you)\b|\b(works for (me|us)|that works|sounds good|see you then)\b"
)
_READ_BACK = _cue(
    r"\b(we'?ll|we will|he'?ll|she'?ll|they'?ll|our tech will|we'?re)\b[^.?!]{0,40}"
    r"\b(be (going|coming) out|arriv|see you|be there|come out)"
)
_RESCHEDULE = _cue(r"\breschedul|\bmove (my|the|our) appointment\b")
_CANCEL = _cue(r"\bcancel (my|the|our) appointment\b")
_IN_PERSON = _cue(
    r"\b(come out|going out|on site|stop by|inspection|technician|tech|crew"
    r"|visit|install)\b"
)
_VIRTUAL = _cue(r"\b(zoom|video call|virtual|teams meeting)\b")

# "Do you guys do gas leaks?" answered "No, we do not." is a service the company does not offer.
_SERVICE_QUESTION = _cue(
    r"\b(do|does|can) (you|y'?all|you guys|your company) (do|offer"
    r"|handle|fix|service|install|work on|repair)\b"
)
_SERVICE_REFUSAL = _cue(
    r"\bwe (don'?t|do not|can'?t|cannot) (do|offer|handle|service|work on)\b"
    r"|\bnot something we (do|offer)\b|\bwe do not\b"
)
_BARE_NO = _cue(r"^\W*no\b")
_ADDRESS = re.compile(
    r"\b\d{1,6}(?: [A-Z][a-z]+)+ (?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Lane|Ln|Court|Ct"
    r"|Boulevard|Blvd|Way|Place|Pl|Circle|Cir|Parkway|Pkwy)\b\.?(?:,? (?:in )?(?:apartment|apt"
    r"|unit|suite) \w+)?(?:,? (?:in )?(?P<city>[A-Z][a-z]+(?: [A-Z][a-z]+)?))?"
)


def qualify(call: CallText, pending_actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The `qualification` section, with the span behind every BANT score and the booking."""
    evidence: dict[str, list[dict[str, Any]]] = {}
    scores: dict[str, float] = {}
    for dimension, levels in _BANT_LEVELS.items():
        scores[dimension], evidence[dimension] = _bant_dimension(call, levels)
    overall = round(sum(scores.values()) / len(scores), 3)

    service = _service_not_offered(call)
    booking = _booking(call)
    if service:
        booking_status = "service_not_offered"
    else:
        booking_status = "booked" if booking else "not_booked"
    evidence["booking"] = [call.span(sentence) for sentence in (booking or service or [])]

    when = _booking_time(call, booking) if booking else None
    reference = call.transcript.recorded_at
    appointment_date = when.resolve(reference) if when and reference else None
    address = _address(call)
    follow_ups = [a for a in pending_actions if a["action_type"] in _FOLLOW_UP_TYPES]
    status = qualification_status(overall)

    return {
        "qualification_status": status,
        "bant_scores": scores,
        "overall_score": overall,
        "evidence": evidence,
        "confidence_score": round(sum(1 for spans in evidence.values() if spans) / 5, 2),
        "decision_makers": _decision_makers(call),
        "urgency_signals": [s.text for s in call.sentences if _URGENCY.search(s.text)][:5],
        "budget_indicators": [span["quote"] for span in evidence["budget"]],
        "booking_status": booking_status,
        "call_outcome_category": call_outcome_category(status, booking_status),
        "appointment_confirmed": booking_status == "booked",
        "appointment_date": appointment_date.isoformat() if appointment_date else None,
        "appointment_type": _appointment_type(booking) if booking else None,
        "appointment_timezone": _timezone_name(reference),
        "appointment_time_confidence": (0.8 if when.hour is not None else 0.5) if when else None,
        "preferred_time_window": when.window if when else None,
        "service_address_raw": address.group().rstrip(".") if address else None,
        "service_address_structured": _structured(address) if address else None,
        "address_confidence": 0.7 if address else None,
        "appointment_intent": _appointment_intent(call, booking_status),
        "original_appointment_datetime": None,
        "new_requested_time": None,
        "service_requested": service[0].text if service else None,
        "service_not_offered_reason": service[1].text if service else None,
        "follow_up_required": bool(follow_ups),
        "follow_up_reason": follow_ups[0]["action"] if follow_ups else None,
    }


_FOLLOW_UP_TYPES = ("follow_up_call", "call_back", "check_in")


def qualification_status(overall: float) -> str:
    if overall >= 0.75:
        return "hot"
    if overall >= 0.5:
        return "warm"
    if overall >= 0.25:
        return "cold"
    return "unqualified"


def call_outcome_category(status: str | None, booking_status: str | None) -> str | None:
    """Set only for qualified leads (hot, warm, cold or qualified)."""
    status = (status or "").lower()
    qualified = status in ("hot", "warm", "cold") or (
        "qualified" in status and "unqualified" not in status
    )
    if not qualified:
        return None
    return {
        "booked": "qualified_and_booked",
        "service_not_offered": "qualified_service_not_offered",
        "not_booked": "qualified_but_unbooked",
    }.get(booking_status or "")


def _bant_dimension(call: CallText, levels) -> tuple[float, list[dict[str, Any]]]:
    for score, side, cue in levels:
        matches = [
            sentence
            for sentence in call.sentences
            if _said_by(sentence, side) and cue.search(sentence.text)
        ]
        if matches:
            return score, [call.span(sentence) for sentence in matches[:3]]
    return 0.0, []


def _said_by(sentence: Sentence, side: str) -> bool:
    if side == "customer":
        return is_customer_side(sentence.speaker)
    if side == "company":
        return is_company_side(sentence.speaker)
    return True


def _booking(call: CallText) -> list[Sentence] | None:
    """[proposal, agreement] or [read-back] when a visit was set for a day and time."""
    sentences = call.sentences
    for position, sentence in enumerate(sentences):
        if _FOLLOW_UP_ONLY.search(sentence.text) and not _IN_PERSON.search(sentence.text):
            continue
        if not (_APPOINTMENT.search(sentence.text) and find_when(sentence.text)):
            continue
        if is_company_side(sentence.speaker) and _READ_BACK.search(sentence.text):
            return [sentence]
        reply = next(
            (
                later
                for later in sentences[position + 1 :]
                if later.turn_index > sentence.turn_index
            ),
            None,
        )
        if reply and reply.speaker != sentence.speaker and _AGREES.search(reply.text):
            return [sentence, reply]
    return None


def _booking_time(call: CallText, booking: list[Sentence]):
    """The day and time of a booking, read on to the end of its turn and through the reply."""
    first = booking[0]
    rest_of_turn = [s.text for s in call.in_turn(first.turn_index) if s.index >= first.index]
    return find_when(" ".join(rest_of_turn + [sentence.text for sentence in booking[1:]]))


def _service_not_offered(call: CallText) -> list[Sentence] | None:
    """[customer's question, company's refusal] for a service the company does not do."""
    for position, sentence in enumerate(call.sentences):
        if not (is_customer_side(sentence.speaker) and _SERVICE_QUESTION.search(sentence.text)):
            continue
        answers = [
            later
            for later in call.sentences[position + 1 :]
            if later.turn_index > sentence.turn_index
            and later.turn_index <= sentence.turn_index + 2
            and is_company_side(later.speaker)
        ]
        refusal = next((answer for answer in answers if _SERVICE_REFUSAL.search(answer.text)), None)
        refusal = refusal or next(
            (answer for answer in answers if _BARE_NO.search(answer.text)), None
        )
        if refusal:
            return [sentence, refusal]
    return None


def _decision_makers(call: CallText) -> list[str]:
    found = []
    for sentence in call.sentences:
        if is_customer_side(sentence.speaker):
            found += [match.group().lower() for match in _DECISION_MAKERS.finditer(sentence.text)]
    return sorted(set(found))


def _appointment_type(booking: list[Sentence]) -> str | None:
    text = " ".join(sentence.text for sentence in booking)
    if _VIRTUAL.search(text):
        return "virtual"
    return "in-person" if _IN_PERSON.search(text) else None


def _appointment_intent(call: CallText, booking_status: str) -> str | None:
    text = call.transcript.text
    if _CANCEL.search(text):
        return "cancel"
    if _RESCHEDULE.search(text):
        return "reschedule"
    return "new_booking" if booking_status == "booked" else None


def _address(call: CallText) -> re.Match[str] | None:
    for sentence in call.sentences:
        match = _ADDRESS.search(sentence.text)
        if match:
            return match
    return None


def _structured(address: re.Match[str]) -> dict[str, str | None]:
    street = address.group().split(",")[0].split(" in ")[0].rstrip(".")
    return {
        "street": street,
        "city": address.group("city"),
        "state": None,
        "zip": None,
        "country": "US",
    }


def _timezone_name(moment) -> str | None:
    zone = getattr(moment, "tzinfo", None)
    return getattr(zone, "key", None)
