"""Sentences of a transcript and the evidence spans (quote, turn, seconds) verdicts rest on."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ai.transcript import Transcript

COMPANY_ROLES = ("rep", "csr")
# A sentence runs to its closing punctuation (or the end of the turn); ellipses stay inside.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+(?=\s|$)|$)", re.DOTALL)


@dataclass(frozen=True)
class Sentence:
    index: int
    turn_index: int
    speaker: str | None
    text: str
    start: float | None
    end: float | None

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith("?")

    @property
    def word_count(self) -> int:
        return len(self.text.split())


class CallText:
    """A transcript cut into sentences, with their embeddings computed once on demand."""

    def __init__(self, transcript: Transcript, embedder: Any = None):
        self.transcript = transcript
        self._embedder = embedder
        self.sentences = [
            Sentence(len_so_far, turn_index, turn.speaker, text, turn.start, turn.end)
            for len_so_far, (turn_index, turn, text) in enumerate(_turn_sentences(transcript))
        ]
        self._vectors: np.ndarray | None = None

    @property
    def embedder(self) -> Any:
        """The embedder given, else the local MiniLM one, loaded on first need."""
        if self._embedder is None:
            from ai.embeddings import get_local_embedder

            self._embedder = get_local_embedder()
        return self._embedder

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self.embedder.embed([sentence.text for sentence in self.sentences])
        return self._vectors

    def in_turn(self, turn_index: int) -> list[Sentence]:
        return [sentence for sentence in self.sentences if sentence.turn_index == turn_index]

    def span(self, sentence: Sentence) -> dict[str, Any]:
        return span_of(self.transcript, sentence.turn_index, sentence.text)


def is_customer_side(speaker: str | None) -> bool:
    """Customer turns, and turns of unknown speakers, which may be the customer's."""
    return speaker is None or speaker == "customer"


def is_company_side(speaker: str | None) -> bool:
    """Rep or CSR turns, and turns of unknown speakers, which may be theirs."""
    return speaker is None or speaker in COMPANY_ROLES


def span_of(transcript: Transcript, turn_index: int, quote: str) -> dict[str, Any]:
    turn = transcript.turns[turn_index]
    return {"quote": quote, "turn_index": turn_index, "start": turn.start, "end": turn.end}


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def quote_in_turn(transcript: Transcript, quote: str, turn_index: Any) -> bool:
    """True when `quote` is a verbatim part of that turn, whitespace runs aside."""
    if not isinstance(quote, str) or not quote.strip():
        return False
    if not isinstance(turn_index, int) or not 0 <= turn_index < len(transcript.turns):
        return False
    return collapse_whitespace(quote) in collapse_whitespace(transcript.turns[turn_index].text)


def find_quote(transcript: Transcript, quote: Any) -> int | None:
    """Index of the first turn containing `quote` verbatim, or None."""
    for turn_index in range(len(transcript.turns)):
        if quote_in_turn(transcript, quote, turn_index):
            return turn_index
    return None


def anchor(transcript: Transcript, quote: Any, turn_index: Any = None) -> dict[str, Any] | None:
    """The span of `quote` in the turn claimed, else in the first turn holding it, else None."""
    if not quote_in_turn(transcript, quote, turn_index):
        turn_index = find_quote(transcript, quote)
        if turn_index is None:
            return None
    return span_of(transcript, turn_index, quote)


def iter_spans(analysis: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every quoted span of an analysis as (where, {"quote", "turn_index"}), for checking."""
    objections = (analysis.get("objections") or {}).get("objections") or []
    for number, objection in enumerate(objections):
        yield f"objections[{number}]", _pair(objection, "objection_text", "turn_index")
        if objection.get("overcome_quote"):
            yield (
                f"objections[{number}].overcome",
                _pair(objection, "overcome_quote", "overcome_turn_index"),
            )

    qualification = analysis.get("qualification") or {}
    for dimension, spans in (qualification.get("evidence") or {}).items():
        for number, span in enumerate(spans or []):
            yield f"qualification.evidence.{dimension}[{number}]", _pair(span)

    compliance = analysis.get("compliance") or {}
    for number, result in enumerate(compliance.get("stage_results") or []):
        if result.get("quote") is not None:
            yield f"compliance.stage_results[{number}]", _pair(result)

    summary = analysis.get("summary") or {}
    for number, action in enumerate(summary.get("pending_actions") or []):
        yield f"summary.pending_actions[{number}]", _pair(action)

    for number, span in enumerate(analysis.get("sentiment_evidence") or []):
        yield f"sentiment_evidence[{number}]", _pair(span)

    opportunities = analysis.get("opportunity_analysis") or {}
    for number, upgrade in enumerate(opportunities.get("upgrade_opportunities") or []):
        if upgrade.get("quote") is not None:
            yield f"opportunity_analysis.upgrade_opportunities[{number}]", _pair(upgrade)


def _pair(item: Mapping[str, Any], quote_key: str = "quote", turn_key: str = "turn_index"):
    return {"quote": item.get(quote_key), "turn_index": item.get(turn_key)}


def _turn_sentences(transcript: Transcript) -> Iterator[tuple[int, Any, str]]:
    for turn_index, turn in enumerate(transcript.turns):
        for match in _SENTENCE.finditer(turn.text):
            text = match.group().strip()
            if any(character.isalnum() for character in text):
                yield turn_index, turn, text
