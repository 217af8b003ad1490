"""Where a call's words come from, read into turns: transcript rows, call columns, vendor JSON."""

import json
import re
from typing import Any

from ai.analysis.visit_v0 import hms
from ai.transcript import (Transcript, TranscriptError, Turn, transcript_from_dict,
                           transcript_from_text)

# "[00:01:02] Rep: text": the line format Otto writes for transcribed recordings.
_TIMED_LINE = re.compile(r"^\s*\[(\d{1,2}):(\d{2}):(\d{2})\]\s*(.*)$")
_LABELS = {"rep": "Rep", "customer": "Customer", "csr": "CSR"}


def parse_transcript(raw: str | None) -> Transcript:
    """A transcript stored in a text column: Otto's turns JSON, Deepgram-like JSON, a mobile
    call list (`[{transcript, …}]`), timed lines, or plain text. Raises TranscriptError."""
    if raw is None or not raw.strip():
        raise TranscriptError("transcript is empty")
    stripped = raw.strip()
    if stripped[0] in "[{":
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _from_json_object(data)
        if isinstance(data, list):
            return _from_mobile_calls(data)
    return transcript_from_timed_text(raw)


def transcript_from_timed_text(text: str) -> Transcript:
    """Plain text, one turn per line; lines may open with `[HH:MM:SS]`, which sets the start."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not any(_TIMED_LINE.match(line) for line in lines):
        return transcript_from_text(text)

    labelled = transcript_from_text("\n".join(_TIMED_LINE.sub(r"\4", line) for line in lines))
    starts = []
    for line in lines:
        match = _TIMED_LINE.match(line)
        hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3)) if match else (0, 0, 0)
        starts.append(hours * 3600 + minutes * 60 + seconds if match else None)
    turns = []
    for index, turn in enumerate(labelled.turns):
        start = starts[index] if index < len(starts) else None
        following = next((s for s in starts[index + 1:] if s is not None), None)
        turns.append(Turn(turn.speaker, turn.text, start, following))
    return Transcript(turns=turns)


def timed_text(transcript: Transcript) -> str:
    """The transcript as `[HH:MM:SS] text` lines (speaker labels kept when known)."""
    lines = []
    for turn in transcript.turns:
        prefix = f"[{hms(turn.start)}] " if turn.start is not None else ""
        label = f"{_LABELS[turn.speaker]}: " if turn.speaker in _LABELS else ""
        lines.append(f"{prefix}{label}{turn.text}")
    return "\n".join(lines)


def transcript_from_labels(speaker_labels: list[dict[str, Any]] | None, text: str) -> Transcript:
    """A `call_transcripts` row: its speaker labels when present, else its text."""
    if speaker_labels:
        turns = [{"speaker": item.get("speaker"), "text": item.get("text") or "",
                  "start": item.get("start_time"), "end": item.get("end_time")}
                 for item in speaker_labels if isinstance(item, dict)]
        try:
            return transcript_from_dict({"turns": [turn for turn in turns if turn["text"].strip()]})
        except TranscriptError:
            pass
    return parse_transcript(text)


def speaker_labels(transcript: Transcript) -> list[dict[str, Any]]:
    return [{"speaker": turn.speaker, "text": turn.text, "start_time": turn.start,
             "end_time": turn.end} for turn in transcript.turns]


def _from_json_object(data: dict[str, Any]) -> Transcript:
    if isinstance(data.get("turns"), list):
        return transcript_from_dict(data)
    if isinstance(data.get("results"), dict):
        return _from_deepgram(data["results"])
    for key in ("transcript", "text"):
        if isinstance(data.get(key), str):
            return parse_transcript(data[key])
    raise TranscriptError("transcript JSON has neither 'turns' nor 'results'")


def _from_deepgram(results: dict[str, Any]) -> Transcript:
    """Deepgram-like `results.channels[].alternatives[]`: paragraph sentences with times, else
    the alternative's text. Speaker numbers say nothing about who is the rep: left unknown."""
    turns = []
    for channel in results.get("channels") or []:
        alternatives = (channel or {}).get("alternatives") or []
        if not alternatives:
            continue
        best = alternatives[0] or {}
        paragraphs = ((best.get("paragraphs") or {}).get("paragraphs")) or []
        for paragraph in paragraphs:
            sentences = paragraph.get("sentences") or []
            text = " ".join(str(s.get("text", "")).strip() for s in sentences).strip()
            if text:
                turns.append(Turn(None, text, _number(paragraph.get("start")),
                                  _number(paragraph.get("end"))))
        if not paragraphs and str(best.get("transcript", "")).strip():
            turns.append(Turn(None, str(best["transcript"]).strip()))
    if not turns:
        raise TranscriptError("the Deepgram JSON holds no transcript text")
    return Transcript(turns=turns)


def _from_mobile_calls(items: list[Any]) -> Transcript:
    turns = []
    for item in items:
        text = item.get("transcript") if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            turns.extend(transcript_from_text(text).turns)
    if not turns:
        raise TranscriptError("the call list holds no transcript text")
    return Transcript(turns=turns)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
