"""Jobs of the `ai` queue that analyse calls and visits: full analysis, recorded sales visits,
mobile v0, heuristic post-call."""

import logging
import time
import uuid
from zoneinfo import ZoneInfo

from ai.analysis import analyze_transcript, analyze_transcript_openai
from ai.providers import Usage
from ai.speech import LOCAL_ASR_MODEL, TranscriptionError, transcribe
from ai.transcript import Transcript, TranscriptError
from jobs.runner import report_progress
from jobs.transcription import last_attempt, stage, transcribe_call_recording
from otto.analysis.effects import apply_analysis
from otto.analysis.service import analysis_client, local_usage
from otto.analysis.versions import call_transcript_for, latest_analysis, store_analysis
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db
from otto.rag.usage import record_usage
from otto.recordings.analysis import (apply_visit_analysis, read_verdict, store_visit_analysis,
                                      store_visit_transcript, stored_visit_transcript)
from otto.recordings.models import RecordingSession
from otto.recordings.service import set_processing_status
from otto.storage import StorageError, storage
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

LOCAL_ANALYSIS_MODEL = "local-rules+minilm"


class NothingToAnalyze(Exception):
    """The call has no transcript and no recording."""


def analyze_call(company_id: str, call_id: int, version: int) -> dict:
    """Transcript (transcribing the recording when that is all there is) → analysis → a new
    version with its domain effects. Bad input fails the call at once; other errors are retried
    and fail it after the last attempt (`calls.analysis_status`, `analysis_error`)."""
    with tenant_scope(company_id):
        call = db.session.get(Call, call_id)
        if call is None or call.company_id != company_id:
            log.info("call %s is gone; nothing to analyse", call_id)
            return {"status": "skipped"}

        try:
            report_progress(5, "reading the transcript")
            transcript, transcript_row = call_transcript_for(call)
            if transcript is None:
                if not call.recording_url:
                    raise NothingToAnalyze()
                report_progress(15, "transcribing the recording")
                transcript, transcript_row = transcribe_call_recording(call)
                db.session.commit()  # a retry of the analysis reuses these words

            report_progress(50, "analyzing")
            _describe(transcript, call)
            analysis = run_analysis(transcript)

            report_progress(90, "saving")
            row, created = store_analysis(call, analysis, transcript_row)
            if created:
                apply_analysis(call, row)
            call.analysis_status, call.analysis_error = "completed", None
            db.session.commit()
        except NothingToAnalyze:
            return _analysis_failed(call_id, "Nothing to analyze: no transcript or recording.")
        except (TranscriptError, TranscriptionError) as error:
            return _analysis_failed(call_id, f"The call could not be read: {error}")
        except Exception:
            db.session.rollback()
            if last_attempt():
                _analysis_failed(call_id, "The analysis failed after several attempts.")
            raise

        log.info("call %s analysed (job version %d): %s %s", call_id, version,
                 row.analysis_version, "stored" if created else "unchanged")
        return {"status": "completed", "analysis_id": row.id,
                "analysis_version": row.analysis_version, "new_version": created}


def run_analysis(transcript: Transcript) -> dict:
    """The configured provider's analysis; OpenAI trouble falls back to local, marked degraded."""
    client = analysis_client()
    if client is not None:
        return analyze_transcript_openai(
            transcript, client, on_usage=lambda usage: record_usage("analysis", usage))
    started = time.perf_counter()
    analysis = analyze_transcript(transcript)
    record_usage("analysis", local_usage(LOCAL_ANALYSIS_MODEL, started, time.perf_counter()))
    return analysis


def analyze_visit(company_id: str, session_id: str) -> dict:
    """A recorded visit's audio → transcript (kept as ghost-mode retention allows) → analysis →
    its recording_analyses row and domain effects (spec §4.10).

    Missing or unreadable audio fails the transcription at once, with the reason on the session;
    other errors are retried and fail the step they hit after the last attempt. Ephemeral audio
    is deleted once the job is done with it.
    """
    with tenant_scope(company_id):
        session = db.session.get(RecordingSession, session_id)
        if session is None or session.company_id != company_id:
            log.info("recording session %s is gone; nothing to analyse", session_id)
            return {"status": "skipped"}
        if session.analysis_status == "completed" or session.audio_storage_mode == "not_stored":
            log.info("recording session %s: analysis %s, audio %s; not analysed again", session_id,
                     session.analysis_status, session.audio_storage_mode)
            return {"status": "skipped"}

        try:
            transcript = stored_visit_transcript(session)
            if transcript is None:
                stage("transcribing", 10)
                transcript = _transcribe_session(session)
            _advance(session, "transcription_status", "completed")
            _advance(session, "analysis_status", "in_progress")
            db.session.commit()  # the words and the statuses so far outlive a failed analysis

            stage("analyzing", 50)
            _describe_visit(transcript, session)
            started = time.perf_counter()
            analysis = run_analysis(transcript)
            verdict = read_verdict(analysis, transcript)
            elapsed_ms = int((time.perf_counter() - started) * 1000)

            stage("saving", 90)
            row = store_visit_analysis(session, analysis, verdict, elapsed_ms)
            apply_visit_analysis(session, row, analysis, verdict)
            _advance(session, "analysis_status", "completed")
            session.error_message = None
            _drop_ephemeral_audio(session)
            db.session.commit()
        except TranscriptionError as error:
            return _visit_failed(session_id, f"The audio could not be transcribed: {error}")
        except TranscriptError as error:
            return _visit_failed(session_id, f"The recording could not be analysed: {error}")
        except Exception:
            db.session.rollback()
            if last_attempt():
                _visit_failed(session_id, "The visit analysis failed after several attempts.")
            raise

        stage("done", 100)
        log.info("recording session %s analysed: outcome %s (analysis %s)", session_id,
                 row.outcome, row.id)
        return {"status": "completed", "analysis_id": row.id, "outcome": row.outcome}


def analyze_transcript_v0(company_id: str, call_id: int, process: str = "v0") -> dict:
    """The mobile v0 extraction of a call's visit transcript, run in the background."""
    from otto.analysis.visits import analyze_visit_v0

    with tenant_scope(company_id):
        call = db.session.get(Call, call_id)
        if call is None or call.company_id != company_id:
            return {"status": "skipped"}
        row, degraded, _ = analyze_visit_v0(call)
        db.session.commit()
        return {"status": "completed", "analysis_id": row.analysis_id,
                "analysis_version": row.analysis_version, "degraded": degraded}


def heuristic_post_call(company_id: str, call_id: int) -> dict:
    """Score a completed call that has no transcript or recording from its metadata (§5.1)."""
    from otto.post_call.heuristic import heuristic_analysis
    from otto.post_call.service import heuristic_candidate

    with tenant_scope(company_id):
        call = db.session.get(Call, call_id)
        if call is None or not heuristic_candidate(call) or latest_analysis(call_id) is not None:
            return {"status": "skipped"}
        row, _ = store_analysis(call, heuristic_analysis(call), None)
        row.analysis_version = "1.0"
        call.analysis_status, call.analysis_error = "completed", None
        db.session.commit()
        log.info("call %s scored by the heuristic provider: %s", call_id, row.performance_score)
        return {"status": "completed", "analysis_id": row.id}


def _describe(transcript: Transcript, call: Call) -> None:
    """Tell the analyzer what Otto knows: the call type, and when the call happened (in the
    company's timezone, so "Thursday at four" lands on the right local day)."""
    if call.call_type in ("sales_call", "csr_call"):
        transcript.call_type = call.call_type
    moment = call.started_at or call.created_at
    if moment is not None:
        company = db.session.get(Company, call.company_id)
        zone = ZoneInfo(company.timezone if company and company.timezone else "America/New_York")
        transcript.recorded_at = moment.astimezone(zone)


def _analysis_failed(call_id: int, reason: str) -> dict:
    db.session.rollback()
    call = db.session.get(Call, call_id)
    if call is not None:
        call.analysis_status, call.analysis_error = "failed", reason
        db.session.commit()
    log.warning("call %s: analysis failed: %s", call_id, reason)
    return {"status": "failed", "error": reason}


def _transcribe_session(session: RecordingSession) -> Transcript:
    """The session's stored audio through speech recognition; the transcript row is kept as
    ghost-mode retention allows."""
    if not session.audio_url:
        raise TranscriptionError("no audio was uploaded")
    try:
        path = storage().path(session.audio_url)
    except StorageError:
        raise TranscriptionError("the audio location is not a storage key") from None
    if not path.is_file():
        raise TranscriptionError("the uploaded audio is missing from storage")

    started = time.perf_counter()
    transcript = transcribe(path, on_usage=lambda usage: record_usage("analysis", usage))
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    provider = transcript.metadata.get("provider")
    if provider == "local":
        record_usage("analysis", Usage(provider="local", model=LOCAL_ASR_MODEL,
                                       latency_ms=elapsed_ms))
    prefix = "openai" if provider == "openai" else "local"
    store_visit_transcript(session, transcript, job_id=f"{prefix}_{uuid.uuid4().hex}",
                           model=transcript.metadata.get("model"), processing_ms=elapsed_ms)
    return transcript


def _describe_visit(transcript: Transcript, session: RecordingSession) -> None:
    """A visit is a sales call, held when the session started (company time, for "Thursday")."""
    transcript.call_type = "sales_call"
    company = db.session.get(Company, session.company_id)
    zone = ZoneInfo(company.timezone if company and company.timezone else "America/New_York")
    transcript.recorded_at = session.started_at.astimezone(zone)


def _advance(session: RecordingSession, field: str, status: str) -> None:
    """Move a processing status to `status`, through `in_progress` when it is not running."""
    if getattr(session, field) == status:
        return
    if getattr(session, field) in ("not_started", "failed") and status != "in_progress":
        set_processing_status(session, field, "in_progress")
    set_processing_status(session, field, status)


def _drop_ephemeral_audio(session: RecordingSession) -> None:
    if session.audio_storage_mode != "ephemeral" or not session.audio_url:
        return
    try:
        storage().delete(session.audio_url)
    except StorageError:
        log.warning("recording session %s: ephemeral audio key is not deletable", session.id)
        return
    session.audio_url = None
    log.info("recording session %s: ephemeral audio deleted after transcription", session.id)


def _visit_failed(session_id: str, reason: str) -> dict:
    """Fail the step the session is in: transcription until it completed, then analysis."""
    db.session.rollback()
    session = db.session.get(RecordingSession, session_id)
    if session is None:
        return {"status": "failed", "error": reason}
    field = ("transcription_status" if session.transcription_status != "completed"
             else "analysis_status")
    _advance(session, field, "failed")
    session.error_message = reason
    if field == "analysis_status":
        _drop_ephemeral_audio(session)  # the words were heard; nothing will read the audio again
    db.session.commit()
    log.warning("recording session %s: %s failed: %s", session_id, field, reason)
    return {"status": "failed", "error": reason}
