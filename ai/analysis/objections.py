"""Customer objections: cue rules, then nearest-prototype similarity, then handling verdicts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ai.analysis.evidence import CallText, Sentence, is_company_side, is_customer_side
from ai.analysis.objection_cues import (
    CLOSING_QUESTION,
    COMPANY_VOICE,
    CONTRACT_APPROVAL,
    CUES,
    DECISIVE,
    DISAGREEING_REPLY,
    FILLER_ONLY,
    PRICE_APPROVAL,
    PRICE_PRESENTED,
    PRICE_QUESTION,
    RESPONSE_SUGGESTIONS,
)
from ai.analysis.prototypes import NONE_LABEL, OBJECTION_PHRASES, prototype_bank
from ai.analysis.taxonomy import CATEGORY_IDS
from ai.transcript import Transcript

# A sentence counts as an objection by similarity alone when its nearest prototype is an
# objection at this cosine or more, and beats the nearest ordinary-talk prototype by the margin.
SIMILARITY_THRESHOLD = 0.45
SIMILARITY_MARGIN = 0.10
MIN_WORDS_FOR_SIMILARITY = 4


@dataclass(frozen=True)
class ObjectionHit:
    category: str
    sentence: Sentence
    confidence: float
    # "scrutiny" (a question about money), "stated" or "decisive".
    strength: str


def find_objection_hits(call: CallText) -> list[ObjectionHit]:
    """Every sentence-level objection signal in the call, in transcript order."""
    hits = []
    price_named = False
    unmatched: list[Sentence] = []

    for sentence in call.sentences:
        if is_company_side(sentence.speaker) and PRICE_PRESENTED.search(sentence.text):
            price_named = True
        if not is_customer_side(sentence.speaker):
            continue
        if sentence.speaker is None and COMPANY_VOICE.search(sentence.text):
            continue

        found = _rule_hits(sentence, price_named)
        hits.extend(found)
        if not found and sentence.word_count >= MIN_WORDS_FOR_SIMILARITY:
            unmatched.append(sentence)

    hits.extend(_similarity_hits(call, unmatched))
    hits.extend(_no_response_hits(call))
    return sorted(hits, key=lambda hit: hit.sentence.index)


def analyze_objections(transcript: Transcript, *, embedder: Any = None) -> dict[str, Any]:
    """The `objections` section for a transcript on its own."""
    return detect_objections(CallText(transcript, embedder))


def detect_objections(call: CallText) -> dict[str, Any]:
    """The `objections` section: one entry per category raised, quoting its strongest moment."""
    hits = find_objection_hits(call)
    objection_turns = {hit.sentence.turn_index for hit in hits}
    by_category: dict[str, list[ObjectionHit]] = defaultdict(list)
    for hit in hits:
        by_category[hit.category].append(hit)

    objections = []
    for category, category_hits in by_category.items():
        objections.append(_objection(call, category, category_hits, objection_turns))
    objections.sort(key=lambda objection: objection["turn_index"])
    for number, objection in enumerate(objections, start=1):
        objection["id"] = f"obj_{number}"

    breakdown = {"low": 0, "medium": 0, "high": 0}
    for objection in objections:
        breakdown[objection["severity"]] += 1
    return {
        "objections": objections,
        "total_objections": len(objections),
        "severity_breakdown": breakdown,
        "no_objections_reason": None if objections else "no customer turn voiced an objection",
    }


def _rule_hits(sentence: Sentence, price_named: bool) -> list[ObjectionHit]:
    strength = "decisive" if DECISIVE.search(sentence.text) else "stated"
    hits = []
    for category, patterns in CUES.items():
        if category == "Price/Budget" and PRICE_APPROVAL.search(sentence.text):
            continue
        if category == "Contract Terms" and CONTRACT_APPROVAL.search(sentence.text):
            continue
        if any(pattern.search(sentence.text) for pattern in patterns):
            hits.append(ObjectionHit(category, sentence, 0.9, strength))

    money_question = sentence.is_question and PRICE_QUESTION.search(sentence.text)
    if price_named and money_question and not any(h.category == "Price/Budget" for h in hits):
        hits.append(ObjectionHit("Price/Budget", sentence, 0.6, "scrutiny"))
    return hits


def _similarity_hits(call: CallText, sentences: list[Sentence]) -> list[ObjectionHit]:
    if not sentences:
        return []
    bank = prototype_bank(call.embedder, OBJECTION_PHRASES)
    scores = bank.label_scores(call.vectors[[sentence.index for sentence in sentences]])
    none_column = bank.labels.index(NONE_LABEL)

    hits = []
    for sentence, row in zip(sentences, scores, strict=True):
        best = int(row.argmax())
        label, score = bank.labels[best], float(row[best])
        if label == NONE_LABEL or score < SIMILARITY_THRESHOLD:
            continue
        if score - float(row[none_column]) < SIMILARITY_MARGIN:
            continue
        if label == "Price/Budget" and PRICE_APPROVAL.search(sentence.text):
            continue
        if label == "Contract Terms" and CONTRACT_APPROVAL.search(sentence.text):
            continue
        strength = "decisive" if DECISIVE.search(sentence.text) else "stated"
        hits.append(ObjectionHit(label, sentence, round(score, 3), strength))
    return hits


def _no_response_hits(call: CallText) -> list[ObjectionHit]:
    """Rep price or closing questions the customer left unanswered (call ended, or filler)."""
    turns = call.transcript.turns
    hits = []
    for turn_index, turn in enumerate(turns):
        if not is_company_side(turn.speaker) or turn.speaker is None:
            continue
        sentences = call.in_turn(turn_index)
        if not sentences or not sentences[-1].is_question:
            continue
        question = sentences[-1]
        if not CLOSING_QUESTION.search(question.text):
            continue

        following = turns[turn_index + 1] if turn_index + 1 < len(turns) else None
        if following is None or (
            is_customer_side(following.speaker) and FILLER_ONLY.match(following.text.strip())
        ):
            hits.append(ObjectionHit("No Response", question, 0.8, "stated"))
    return hits


def _objection(
    call: CallText, category: str, hits: list[ObjectionHit], objection_turns: set[int]
) -> dict[str, Any]:
    strongest = max(hits, key=lambda hit: (hit.confidence, -hit.sentence.index))
    overcome, response = _handled(call, hits[-1].sentence.turn_index, objection_turns)
    if category == "No Response":
        overcome, response = False, None

    if len(hits) > 1 or any(hit.strength == "decisive" for hit in hits):
        severity = "high"
    elif all(hit.strength == "scrutiny" for hit in hits):
        severity = "low"
    else:
        severity = "medium"

    sentence = strongest.sentence
    return {
        "id": None,
        "category_id": CATEGORY_IDS[category],
        "category_text": category,
        "objection_text": sentence.text,
        "turn_index": sentence.turn_index,
        "start": sentence.start,
        "end": sentence.end,
        "timestamp": sentence.start,
        "overcome": overcome,
        "overcome_quote": response.text if response else None,
        "overcome_turn_index": response.turn_index if response else None,
        "speaker_id": sentence.speaker,
        "severity": severity,
        "confidence_score": strongest.confidence,
        "occurrences": len(hits),
        "response_suggestions": [] if overcome else RESPONSE_SUGGESTIONS[category],
    }


def _handled(
    call: CallText, turn_index: int, objection_turns: set[int]
) -> tuple[bool, Sentence | None]:
    """Handled when a later rep turn answers and the customer's next turn neither objects
    again nor disagrees. With unknown speakers the next two turns stand in for rep and customer."""
    turns = call.transcript.turns
    speakers_known = call.transcript.speakers_known

    response_index = next(
        (
            index
            for index in range(turn_index + 1, len(turns))
            if turns[index].text and (not speakers_known or turns[index].speaker in ("rep", "csr"))
        ),
        None,
    )
    if response_index is None:
        return False, None
    reply_index = next(
        (
            index
            for index in range(response_index + 1, len(turns))
            if not speakers_known or turns[index].speaker == "customer"
        ),
        None,
    )
    if reply_index is None:
        return False, None

    reply = turns[reply_index].text.strip()
    if reply_index in objection_turns or FILLER_ONLY.match(reply) or DISAGREEING_REPLY.match(reply):
        return False, None

    answer = call.in_turn(response_index)
    substantive = [sentence for sentence in answer if sentence.word_count >= 4]
    return True, (substantive or answer)[0]
