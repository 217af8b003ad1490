"""SOP compliance: each checklist stage completed, weakly evidenced or missed, with its span."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ai.analysis.evidence import CallText, Sentence, is_company_side
from ai.analysis.prototypes import prototype_bank
from ai.analysis.taxonomy import CSR_STAGES, VISIT_STAGES

# A stage without a cue match is "completed" by similarity at or above COMPLETED_SIMILARITY to
# one of its prototypes, and a "warning" (weak evidence) from WARNING_SIMILARITY up.
COMPLETED_SIMILARITY = 0.62
WARNING_SIMILARITY = 0.52


def _cue(expression: str) -> re.Pattern[str]:
    return re.compile(expression, re.IGNORECASE)


STAGE_CUES: dict[str, re.Pattern[str]] = {
    "greeting": _cue(
        r"\b(hi|hello|hey|good (morning|afternoon|evening)|thank(s| you) for"
        r" calling)\b"
    ),
    "building_rapport": _cue(
        r"\bhow are you\b|\bhow'?s (your|the) day\b|\bwhat are you up to\b"
        r"|\bi love (your|the|cats|dogs)\b|\bbeautiful (home|yard|house)\b"
    ),
    "understanding_needs": _cue(
        r"\b(what'?s going on|what seems to be|tell me (about|what)"
        r"|how (long|old) (has|is)|when did (it|this|you)|what (issue"
        r"|problem)|what brought you|what (are|were) you hoping)\b"
    ),
    "problem_identification": _cue(
        r"\b(how (can|may) i help|what'?s going on|what seems to be"
        r"|what (issue|problem)|tell me (about|what)|what happened)\b"
    ),
    "inspecting_roof": _cue(
        r"\b(inspect(ed|ing)?|went up (on|in)|looked at|checked) (the|your)"
        r" (roof|attic|shingles|flashing|decking)\b|\b(up )?on (the|your)"
        r" roof\b"
    ),
    "taking_photos": _cue(r"\b(photos?|pictures?|pics)\b"),
    "presenting_estimate": _cue(r"\b(estimates?|proposal|quote|(equipment|your) options)\b"),
    "explaining_warranty": _cue(r"\bwarrant(y|ies)\b|\bguarantees?\b"),
    "reviewing_price": _cue(
        r"\$\s?\d|\b(price|cost|total|investment)\b[^.?!]{0,40}\d"
        r"|\b\d[\d,]* (dollars|off)\b"
    ),
    "discussing_financing": _cue(
        r"\bfinanc(e|ing)\b|\bmonthly (payment|option)s?\b|\binterest"
        r" rate\b|\bapr\b"
    ),
    "cancellation_rights_disclosed": _cue(
        r"\bright to cancel\b|\b(three|3)[- ](business[- ])?days?\b[^.?!]{0,40}\bcancel"
        r"|\bcancel\b[^.?!]{0,40}\b(three|3) (business )?days\b|\bcooling[- ]off\b"
    ),
    "closing_attempt": _cue(
        r"\b(ready to (move forward|get started|sign)|go ahead and (get|sign"
        r"|schedule)|sign (today|up|the)|down payment|deposit|earn your"
        r" business|feel comfortable with signing|move forward)\b"
    ),
    "next_steps_given": _cue(
        r"\b(next step|i'?ll send|i will send|when i send|you'?ll (see|get"
        r"|receive)|we'?ll (be going out|call|send|schedule)|give you a"
        r" call)\b"
    ),
    "qualification": _cue(
        r"\b(single family|town ?home|condo|own (the|your) home|homeowner"
        r"|how many (bathrooms|stories|units)|year built|how old|zip code"
        r"|what'?s the address)\b"
    ),
    "scheduling": _cue(
        r"\b(schedule|appointment|next available|availability|what time works"
        r"|come out|be going out|arriving|book)\b"
    ),
    "confirmation": _cue(
        r"\b(so that'?s|to confirm|confirm|just to make sure|is that (correct"
        r"|right)|read (that|it) back|callback number)\b"
    ),
    "closing": _cue(
        r"\b(thank(s| you) for calling|have a (great|good|wonderful|nice) (day"
        r"|night|evening)|take care|goodbye|bye)\b"
    ),
}

STAGE_PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": ("Hi, thanks for having me out today.", "Good morning, this is the technician."),
    "building_rapport": ("How has your week been going?", "What a great neighborhood this is."),
    "understanding_needs": (
        "What problems have you been having with it?",
        "What matters most to you in a new system?",
    ),
    "problem_identification": (
        "Can you describe what's happening?",
        "What's going on with the unit?",
    ),
    "inspecting_roof": (
        "I checked the roof and the flashing is lifting.",
        "I went through the attic and looked at the decking.",
    ),
    "taking_photos": ("Let me show you the pictures I took.",),
    "presenting_estimate": (
        "Let me walk you through the options I put together.",
        "Here is the proposal for the replacement.",
    ),
    "explaining_warranty": ("Everything is covered for ten years parts and labor.",),
    "reviewing_price": ("The total comes to twelve thousand after discounts.",),
    "discussing_financing": ("We have several payment plans you can choose from.",),
    "cancellation_rights_disclosed": ("You can cancel this agreement within three business days.",),
    "closing_attempt": (
        "Would you like to get started today?",
        "If everything looks good we can get the paperwork signed.",
    ),
    "next_steps_given": (
        "Here's what happens next after today.",
        "I'll send everything over and call you later this week.",
    ),
    "qualification": ("Is this a single family home that you own?",),
    "scheduling": ("Let's find a time for the technician to come out.",),
    "confirmation": ("Let me read that back to make sure I have it right.",),
    "closing": ("Thanks so much for calling, have a good one.",),
}
STAGE_RECOMMENDATIONS = {
    "cancellation_rights_disclosed": "State the buyer's three-business-day right to cancel "
    "and hand over the written notice before taking a signature or deposit.",
    "greeting": "Open with a greeting that names you and the company.",
    "closing_attempt": "Ask for the business: invite the customer to move forward today.",
    "next_steps_given": "Close with the concrete next step, who does it and when.",
    "discussing_financing": "Offer the financing options before the price becomes an objection.",
    "confirmation": "Read the customer's details and the appointment back to confirm them.",
}
_CLOSING_STAGES = ("closing_attempt", "next_steps_given", "closing", "confirmation")
_HIGH_PRIORITY_STAGES = ("cancellation_rights_disclosed", "closing_attempt", "scheduling")
_SALE_MADE = _cue(
    r"\b(deposit|down payment|mastercard|visa|credit card|sign(ed|ing)? (the|this)"
    r" (contract|agreement))\b"
)


def checklist_for(call_type: str, sop_checklist: Sequence[Any] | None) -> list[dict[str, str]]:
    """Stages as `{stage, description}`: the company's list when given, else the default."""
    if sop_checklist is None:
        stages = CSR_STAGES if call_type == "csr_call" else VISIT_STAGES
        return [{"stage": stage, "description": ""} for stage in stages]

    checklist = []
    for item in sop_checklist:
        if isinstance(item, str):
            checklist.append({"stage": item, "description": ""})
        elif isinstance(item, dict) and isinstance(item.get("stage"), str):
            checklist.append({"stage": item["stage"], "description": item.get("description", "")})
        else:
            raise ValueError("sop_checklist items must be stage names or {stage, description}")
    return checklist


def check_compliance(
    call: CallText, checklist: list[dict[str, str]], call_type: str
) -> dict[str, Any]:
    """The `compliance` section: one stage result per checklist item, with its evidence."""
    candidates = [s for s in call.sentences if is_company_side(s.speaker)]
    similarity = _stage_similarity(call, checklist, candidates)
    sale_made = any(_SALE_MADE.search(sentence.text) for sentence in call.sentences)

    results, violations, behaviors, recommendations = [], [], [], []
    for item in checklist:
        stage = item["stage"]
        status, sentence = _stage_result(stage, candidates, similarity.get(stage))
        span = (
            call.span(sentence)
            if sentence
            else {"quote": None, "turn_index": None, "start": None, "end": None}
        )
        results.append({"stage": stage, "status": status, **span})

        if status != "missed":
            behaviors.append(
                {
                    "stage": stage,
                    "behavior": f"{_label(stage)} done",
                    "description": sentence.text,
                    "timestamp": sentence.start,
                }
            )
            continue
        critical = stage == "cancellation_rights_disclosed" and sale_made
        violations.append(
            {
                "stage": stage,
                "violation_type": "critical_missed_stage" if critical else "missed_stage",
                "description": f"{_label(stage)} not found in the call",
                "severity": "high" if critical else "medium",
                "timestamp": None,
            }
        )
        recommendations.append(
            {
                "stage": stage,
                "recommendation": STAGE_RECOMMENDATIONS.get(
                    stage, f"Cover {_label(stage).lower()}."
                ),
                "priority": "high" if critical or stage in _HIGH_PRIORITY_STAGES else "medium",
                "reasoning": f"No turn of the call covers {_label(stage).lower()}.",
            }
        )

    followed = [result["stage"] for result in results if result["status"] != "missed"]
    missed = [result["stage"] for result in results if result["status"] == "missed"]
    score = round(len(followed) / len(results), 3) if results else None
    return {
        "evaluation_mode": "simple",
        "target_role": "customer_rep" if call_type == "csr_call" else "sales_rep",
        "compliance_score": score,
        "compliance_rate": round(score * 100, 1) if score is not None else None,
        "total_stages": len(results),
        "stage_results": results,
        "stages_followed": followed,
        "stages_missed": missed,
        "violations": violations,
        "positive_behaviors": behaviors,
        "recommendations": recommendations,
        "compliance_issues": [violation["description"] for violation in violations],
        "sop_references": {},
        "has_critical_error": any(v["severity"] == "high" for v in violations),
    }


def _stage_result(stage: str, candidates: list[Sentence], scores) -> tuple[str, Sentence | None]:
    cue = STAGE_CUES.get(stage)
    if cue:
        # Stages that belong to the end of a call are looked for from the end backwards.
        ordered = reversed(candidates) if stage in _CLOSING_STAGES else candidates
        for sentence in ordered:
            if cue.search(sentence.text):
                return "completed", sentence
    if scores is None or not len(candidates):
        return "missed", None

    best = int(scores.argmax())
    if scores[best] >= COMPLETED_SIMILARITY:
        return "completed", candidates[best]
    if scores[best] >= WARNING_SIMILARITY:
        return "warning", candidates[best]
    return "missed", None


def _stage_similarity(call: CallText, checklist, candidates: list[Sentence]) -> dict[str, Any]:
    """Per stage, the similarity of every candidate sentence to the stage's prototypes."""
    phrases = {}
    for item in checklist:
        stage = item["stage"]
        texts = list(STAGE_PHRASES.get(stage, ()))
        if item["description"]:
            texts.append(item["description"])
        if not texts:
            texts.append(_label(stage))
        phrases[stage] = texts
    if not candidates or not phrases:
        return {}

    bank = prototype_bank(call.embedder, phrases)
    scores = bank.label_scores(call.vectors[[sentence.index for sentence in candidates]])
    return {stage: scores[:, number] for number, stage in enumerate(bank.labels)}


def _label(stage: str) -> str:
    return stage.replace("_", " ").capitalize()
