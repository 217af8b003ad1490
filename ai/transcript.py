"""Call transcripts as turns (speaker, text, start/end seconds), read from JSON or plain text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SPEAKER_ROLES = ("rep", "customer", "csr")

# Labels seen in exported transcripts, mapped onto Otto's three roles.
_ROLE_BY_LABEL = {
    "rep": "rep",
    "sales rep": "rep",
    "salesperson": "rep",
    "technician": "rep",
    "tech": "rep",
    "advisor": "rep",
    "csr": "csr",
    "agent": "csr",
    "dispatcher": "csr",
    "receptionist": "csr",
    "customer": "customer",
    "homeowner": "customer",
    "caller": "customer",
    "client": "customer",
    "prospect": "customer",
}
_ROLE_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,20}?)\s*:\s*(.*)$")
# "Speaker A:", "Speaker 2:", "SPK_1:" name a voice without saying whose it is.
_ANONYMOUS_LABEL = re.compile(r"^\s*(?:speaker\s*\w{1,3}|spk_?\d{1,3})\s*:\s*(.*)$", re.IGNORECASE)


class TranscriptError(ValueError):
    """The input cannot be read as a transcript."""


@dataclass(frozen=True)
class Turn:
    """One stretch of speech; `speaker` is None when nobody said whose voice it is."""

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


@dataclass
class Transcript:
    turns: list[Turn]
    language: str = "en-US"
    # Mean ASR confidence when the transcript came from speech recognition.
    confidence: float | None = None
    # `sales_call` or `csr_call` when the caller knows it; analysis infers it otherwise.
    call_type: str | None = None
    # When the call happened; relative dates ("Thursday") are resolved against it.
    recorded_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(turn.text for turn in self.turns)

    @property
    def speakers_known(self) -> bool:
        return all(turn.speaker is not None for turn in self.turns)

    @property
    def word_count(self) -> int:
        return sum(len(turn.text.split()) for turn in self.turns)


def load_transcript(path: str | Path) -> Transcript:
    """A transcript from a `.json` file (fixture shape) or any text file (one turn per line)."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TranscriptError(f"cannot read transcript {path}: {error}") from error

    if path.suffix.lower() == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise TranscriptError(f"{path} is not valid JSON: {error}") from error
        return transcript_from_dict(data)
    return transcript_from_text(content)


def transcript_from_dict(data: Mapping[str, Any]) -> Transcript:
    """Read `{"turns": [{"speaker", "text", "start"?, "end"?}, ...]}`; other keys are kept."""
    if not isinstance(data, Mapping):
        raise TranscriptError("transcript JSON must be an object with a 'turns' list")
    raw_turns = data.get("turns")
    if not isinstance(raw_turns, list):
        raise TranscriptError("transcript JSON needs a 'turns' list")

    turns = []
    for index, raw in enumerate(raw_turns):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), str):
            raise TranscriptError(f"turn {index} needs a 'text' string")
        turns.append(
            Turn(
                speaker=normalize_speaker(raw.get("speaker")),
                text=raw["text"].strip(),
                start=_seconds(raw.get("start"), index, "start"),
                end=_seconds(raw.get("end"), index, "end"),
            )
        )

    metadata = {key: value for key, value in data.items() if key != "turns"}
    return _checked(Transcript(turns=turns, metadata=metadata))


def transcript_from_text(text: str) -> Transcript:
    """One turn per non-blank line; a leading role label (`Rep:`, `Customer:`) sets the speaker."""
    turns = []
    for line in text.splitlines():
        if not line.strip():
            continue
        speaker, spoken = _split_label(line)
        turns.append(Turn(speaker=speaker, text=spoken.strip()))
    return _checked(Transcript(turns=turns))


def normalize_speaker(label: Any) -> str | None:
    """`rep`, `customer` or `csr` for a known role label; None for anything else."""
    if not isinstance(label, str):
        return None
    return _ROLE_BY_LABEL.get(" ".join(label.lower().split()))


def _split_label(line: str) -> tuple[str | None, str]:
    anonymous = _ANONYMOUS_LABEL.match(line)
    if anonymous:
        return None, anonymous.group(1)
    labelled = _ROLE_LABEL.match(line)
    if labelled:
        role = normalize_speaker(labelled.group(1))
        if role is not None:
            return role, labelled.group(2)
    # Not a role label ("Note: ..."): the whole line is speech by someone unknown.
    return None, line


def _seconds(value: Any, index: int, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TranscriptError(f"turn {index} '{name}' must be a number of seconds")
    return float(value)


def _checked(transcript: Transcript) -> Transcript:
    if not any(turn.text for turn in transcript.turns):
        raise TranscriptError("transcript has no spoken text")
    return transcript
