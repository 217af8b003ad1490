"""Jobs of the `ai` queue that turn audio into transcripts: mobile and call recordings."""

import logging
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from rq import Retry, get_current_job

from ai.providers import Usage
from ai.speech import LOCAL_ASR_MODEL, TranscriptionError, transcribe
from ai.transcript import Transcript
from jobs.runner import report_progress
from otto.analysis.models import CallTranscript
from otto.analysis.versions import store_transcript
from otto.analysis.sources import parse_transcript, speaker_labels, timed_text
from otto.calls.models import Call
from otto.contacts.timeline import record_event
from otto.db import db
from otto.mobile.models import MobileRecording
from otto.mobile.service import set_recording_status
from otto.rag.usage import record_usage
from otto.storage import storage
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

TRANSCRIPTION_RETRY = Retry(max=3, interval=[30, 120, 600])
TRANSCRIPTION_TIMEOUT_SECONDS = 1800
MAX_RECORDING_BYTES = 200 * 1024 * 1024
DOWNLOAD_TIMEOUT = (10, 120)


def transcribe_recording(company_id: str, recording_id: str) -> dict:
    """Uploaded mobile audio → transcript on the recording and the call → v0 analysis → done.

    Unreadable audio ends the recording in `error` with the reason; other failures are retried
    and mark the recording `error` only after the last attempt.
    """
    from otto.analysis.visits import analyze_visit_v0

    with tenant_scope(company_id):
        recording = db.session.get(MobileRecording, recording_id)
        if recording is None or recording.company_id != company_id:
            log.info("mobile recording %s is gone; nothing to transcribe", recording_id)
            return {"status": "skipped"}
        if recording.status != "processing":
            log.info("mobile recording %s is %s; not transcribed", recording_id, recording.status)
            return {"status": "skipped"}
        call = db.session.get(Call, recording.call_id)

        try:
            if recording.formatted_transcript:  # a retry after the words were already stored
                transcript = parse_transcript(recording.formatted_transcript)
            else:
                stage("transcribing", 10)
                transcript = _transcribe_stored(recording)
                _store_recording_transcript(recording, call, transcript)
                db.session.commit()

            stage("analyzing", 70)
            analysis, degraded, _ = analyze_visit_v0(call, transcript)
            set_recording_status(recording, "completed")
            db.session.commit()
        except TranscriptionError as error:
            db.session.rollback()
            return _recording_failed(recording_id, f"The audio could not be transcribed: {error}")
        except Exception:
            db.session.rollback()
            if last_attempt():
                _recording_failed(recording_id, "Processing failed after several attempts.")
            raise

        stage("done", 100)
        log.info("mobile recording %s: transcribed and analysed (v0 version %d%s)", recording_id,
                 analysis.analysis_version, ", degraded" if degraded else "")
        return {"status": "completed", "transcript_analysis_id": analysis.analysis_id}


def transcribe_call_recording(call: Call) -> tuple[Transcript, CallTranscript]:
    """Download `calls.recording_url`, transcribe it and store a `call_transcripts` row."""
    with downloaded(call.recording_url) as path:
        started = time.perf_counter()
        transcript = transcribe(path, on_usage=_record_asr_usage)
        elapsed_ms = int((time.perf_counter() - started) * 1000)
    model = transcript.metadata.get("model")
    if transcript.metadata.get("provider") == "local":
        record_usage("analysis", _local_asr_usage(elapsed_ms))
    prefix = "openai" if transcript.metadata.get("provider") == "openai" else "local"
    row = store_transcript(call, transcript, job_id=f"{prefix}_{uuid.uuid4().hex}", model=model,
                           processing_ms=elapsed_ms)
    record_event(call.contact_card_id, "call_transcript", lead_id=call.lead_id,
                 call_id=call.call_id, actor_id="otto", actor_role="ai",
                 metadata={"transcript_id": row.id, "word_count": row.word_count})
    return transcript, row


@contextmanager
def downloaded(source: str):
    """A local path for a recording: an Otto storage key as is, an http(s) URL downloaded to a
    temporary file (size checked while streaming). Provider recordings that need credentials
    (CallRail, Twilio) must arrive as URLs Otto can fetch without them."""
    if not source.startswith(("http://", "https://")):
        path = storage().path(source)
        if not path.is_file():
            raise TranscriptionError("the recording is not in storage")
        yield path
        return

    folder = Path(tempfile.mkdtemp(prefix="otto-recording-"))
    target = folder / "recording"
    try:
        try:
            with requests.get(source, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
                response.raise_for_status()
                size = 0
                with open(target, "wb") as out:
                    for chunk in response.iter_content(1024 * 1024):
                        size += len(chunk)
                        if size > MAX_RECORDING_BYTES:
                            raise TranscriptionError("the recording is larger than 200 MB")
                        out.write(chunk)
        except requests.RequestException as error:
            raise TranscriptionError(f"the recording could not be downloaded "
                                     f"({type(error).__name__})") from error
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stage(name: str, percent: int) -> None:
    """Report the job's stage (`transcribing`, `analyzing`, `done`) next to its progress."""
    job = get_current_job()
    if job is not None:
        job.meta["stage"] = name
        job.save_meta()
    report_progress(percent, name)


def last_attempt() -> bool:
    """True when RQ will not run this job again after a failure."""
    job = get_current_job()
    return job is None or not job.retries_left


def _transcribe_stored(recording: MobileRecording) -> Transcript:
    if not recording.storage_key:
        raise TranscriptionError("no audio was uploaded")
    path = storage().path(recording.storage_key)
    if not path.is_file():
        raise TranscriptionError("the uploaded audio is missing from storage")
    started = time.perf_counter()
    transcript = transcribe(path, on_usage=_record_asr_usage)
    if transcript.metadata.get("provider") == "local":
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        record_usage("analysis", _local_asr_usage(elapsed_ms))
    return transcript


def _store_recording_transcript(recording: MobileRecording, call: Call,
                                transcript: Transcript) -> None:
    formatted = timed_text(transcript)
    recording.raw_transcript = {
        "segments": speaker_labels(transcript),
        "language": transcript.language,
        "confidence": transcript.confidence,
        "provider": transcript.metadata.get("provider"),
        "model": transcript.metadata.get("model"),
        "audio_seconds": transcript.metadata.get("audio_seconds"),
    }
    recording.formatted_transcript = formatted
    call.in_person_transcript = formatted
    prefix = "openai" if transcript.metadata.get("provider") == "openai" else "local"
    store_transcript(call, transcript, job_id=f"{prefix}_{uuid.uuid4().hex}",
                     model=transcript.metadata.get("model"), processing_ms=None)


def _recording_failed(recording_id: str, reason: str) -> dict:
    recording = db.session.get(MobileRecording, recording_id)
    if recording is not None and recording.status == "processing":
        set_recording_status(recording, "error", error=reason)
        db.session.commit()
    log.warning("mobile recording %s failed: %s", recording_id, reason)
    return {"status": "failed", "error": reason}


def _record_asr_usage(usage: Usage) -> None:
    record_usage("analysis", usage)


def _local_asr_usage(elapsed_ms: int) -> Usage:
    return Usage(provider="local", model=LOCAL_ASR_MODEL, latency_ms=elapsed_ms)
