"""Jobs of the `ai` queue that analyse calls: full analysis, mobile v0, heuristic post-call."""

import logging
import time
from zoneinfo import ZoneInfo

from ai.analysis import analyze_transcript, analyze_transcript_openai
from ai.speech import TranscriptionError
from ai.transcript import Transcript, TranscriptError
from jobs.runner import report_progress
from jobs.transcription import last_attempt, transcribe_call_recording
from otto.analysis.effects import apply_analysis
from otto.analysis.service import analysis_client, local_usage
from otto.analysis.versions import call_transcript_for, latest_analysis, store_analysis
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db
from otto.rag.usage import record_usage
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
