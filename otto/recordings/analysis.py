"""What a sales-visit analysis keeps and changes (spec §4.10): the transcript under ghost-mode
retention, the recording_analyses row, the appointment outcome, SOP results, tasks, signals."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ai.analysis.visit_v0 import extract_visit_v0
from ai.transcript import Transcript, TranscriptError
from otto import enums
from otto.analysis.models import SopComplianceResult
from otto.analysis.sources import speaker_labels, transcript_from_labels
from otto.analysis.visits import price_value
from otto.appointments.models import Appointment
from otto.appointments.service import set_outcome
from otto.companies.models import Company
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.errors import ApiError
from otto.recordings.models import RecordingAnalysis, RecordingSession, RecordingTranscript
from otto.shifts.clock import parse_company_time
from otto.tasks.service import create_signal, create_task, default_assignee

log = logging.getLogger(__name__)

OTTO = "otto"
VISIT_OUTCOMES = ("won", "lost", "pending", "no_show")
OUTCOME_BY_DECISION = {"bought": "won", "rejected": "lost", "deciding": "pending"}
CLOSING_OUTCOMES = ("won", "lost")
DECISION_CONFIDENCE = 0.7  # a decision read from one customer sentence by the rules
JUDGED_STAGE_CONFIDENCE = 0.7
MAX_MISSED_OPPORTUNITY_SIGNALS = 3
WON_WITHOUT_PRICE = ("The visit analysis heard the customer buy but no price: confirm the outcome "
                     "and record the deal size.")


@dataclass(frozen=True)
class VisitVerdict:
    """The visit's outcome, how sure it is, the price the rep quoted, and the deciding words."""

    outcome: str
    confidence: float | None
    price: Decimal | None
    quote: str | None
    timestamp: str | None  # HH:MM:SS into the recording


def ghost_retention(session: RecordingSession) -> str | None:
    """The company's ghost-mode retention for a ghost session; None when the words are kept."""
    if session.mode != "ghost":
        return None
    company = db.session.get(Company, session.company_id)
    return company.ghost_mode_retention if company is not None else "aggregates_only"


def stored_visit_transcript(session: RecordingSession) -> Transcript | None:
    """The words an earlier attempt stored, when retention kept them (a retry reuses them)."""
    row = _transcript_row(session)
    if row is None or row.transcript_restricted or not row.transcript_text:
        return None
    try:
        return transcript_from_labels(row.speaker_labels, row.transcript_text)
    except TranscriptError:
        return None


def store_visit_transcript(session: RecordingSession, transcript: Transcript, *, job_id: str,
                           model: str | None, processing_ms: int | None
                           ) -> RecordingTranscript | None:
    """Keep the session's transcript as ghost-mode retention allows (§5.13): all of it, the row
    without its words (`aggregates_only`, `minimal`), or nothing at all (`none`)."""
    retention = ghost_retention(session)
    if retention == "none":
        log.info("recording session %s: ghost retention none, transcript not kept", session.id)
        return None
    restricted = retention is not None
    row = _transcript_row(session) or RecordingTranscript(
        company_id=session.company_id, recording_session_id=session.id)
    row.appointment_id = session.appointment_id
    row.uwc_job_id = job_id
    row.transcript_text = None if restricted else transcript.text
    row.speaker_labels = None if restricted else speaker_labels(transcript)
    row.confidence_score = transcript.confidence
    row.language = transcript.language
    row.word_count = transcript.word_count
    row.processing_time_ms = processing_ms
    row.model_version = model
    row.is_ghost_mode = session.mode == "ghost"
    row.transcript_restricted = restricted
    db.session.add(row)
    db.session.flush()
    log.info("recording session %s: transcript %s stored (%d words%s)", session.id, row.id,
             row.word_count or 0, ", restricted" if restricted else "")
    return row


def read_verdict(analysis: dict, transcript: Transcript) -> VisitVerdict:
    """The outcome a provider gave (`outcome`/`appointment_outcome`; unknown → pending), else the
    customer's last decisive sentence: bought → won, rejected → lost, otherwise pending."""
    # The local and OpenAI analyses have no outcome key: both paths read the decision by rules.
    rules = extract_visit_v0(transcript)
    decision = rules["customer_decision"]
    price = price_value(rules["quoted_price"].get("price"))
    given = analysis.get("outcome") or analysis.get("appointment_outcome")
    if given is not None:
        outcome = str(given).strip().lower()
        return VisitVerdict(outcome if outcome in VISIT_OUTCOMES else "pending",
                            analysis.get("outcome_confidence"), price, decision["quote"],
                            decision["timestamp"])
    status = decision["status"]
    return VisitVerdict(OUTCOME_BY_DECISION.get(status, "pending"),
                        DECISION_CONFIDENCE if status else None, price, decision["quote"],
                        decision["timestamp"])


def store_visit_analysis(session: RecordingSession, analysis: dict, verdict: VisitVerdict,
                         processing_ms: int | None) -> RecordingAnalysis:
    """The session's one recording_analyses row (kept in ghost mode too, without the words)."""
    retention = ghost_retention(session)
    words_kept = retention != "none"
    objections = (analysis.get("objections") or {}).get("objections") or []
    compliance = analysis.get("compliance") or {}
    segmentation = analysis.get("segmentation") or {}
    score = compliance.get("compliance_score")
    lead_quality = analysis.get("lead_quality")

    row = db.session.execute(
        select(RecordingAnalysis).where(RecordingAnalysis.recording_session_id == session.id)
    ).scalar_one_or_none() or RecordingAnalysis(
        company_id=session.company_id, recording_session_id=session.id)
    row.appointment_id = session.appointment_id
    row.lead_id = session.appointment.lead_id
    row.objections = [objection.get("category_text") for objection in objections]
    row.objection_details = [_objection_detail(objection) for objection in objections] \
        if words_kept else None
    row.sentiment_score = analysis.get("sentiment_score")
    row.engagement_score = analysis.get("engagement_score")
    row.coaching_tips = analysis.get("coaching_tips") or []
    row.sop_stages_completed = compliance.get("stages_followed") or []
    row.sop_stages_missed = compliance.get("stages_missed") or []
    row.sop_compliance_score = round(score * 10, 2) if isinstance(score, (int, float)) else None
    row.talk_time_ratio = analysis.get("talk_time_ratio")
    row.outcome = verdict.outcome
    row.outcome_confidence = verdict.confidence
    row.lead_quality = lead_quality if lead_quality in enums.LEAD_QUALITY else None
    row.conversion_probability = analysis.get("conversion_probability")
    row.meeting_segments = [part for part in (segmentation.get("part1"),
                                              segmentation.get("part2")) if part] \
        if words_kept else None
    row.uwc_job_id = analysis.get("job_id")
    row.analyzed_at = utcnow()
    row.processing_time_ms = processing_ms
    row.is_ghost_mode = session.mode == "ghost"
    row.normalized_payload = _retained_payload(analysis, retention)
    db.session.add(row)
    db.session.flush()
    log.info("recording session %s: analysis %s stored (outcome %s, %d objections)", session.id,
             row.id, row.outcome, len(row.objections))
    return row


def apply_visit_analysis(session: RecordingSession, row: RecordingAnalysis, analysis: dict,
                         verdict: VisitVerdict) -> None:
    """The analysis's effects: outcome coupling, SOP results, tasks, signals, the timeline."""
    appointment = session.appointment
    ghost = session.mode == "ghost"
    _apply_outcome(session, appointment, row, verdict)
    _store_sop_results(session, analysis, notes_kept=ghost_retention(session) != "none")
    _create_tasks(session, appointment, analysis, ghost)
    _raise_missed_opportunities(session, appointment, row, analysis)
    if verdict.quote is not None:
        record_event(appointment.contact_card_id, "decision_moment", lead_id=appointment.lead_id,
                     appointment_id=appointment.id, actor_id=OTTO, actor_role="ai",
                     description=None if ghost else verdict.quote,
                     metadata={"outcome": verdict.outcome, "timestamp": verdict.timestamp,
                               "recording_session_id": session.id})
    # Domain events (appointment.outcome_updated, recording_session.analyzed) have no bus yet.


def _apply_outcome(session: RecordingSession, appointment: Appointment, row: RecordingAnalysis,
                   verdict: VisitVerdict) -> None:
    if verdict.outcome not in CLOSING_OUTCOMES:
        return
    deal_size = appointment.deal_size if appointment.deal_size is not None else verdict.price
    if verdict.outcome == "won" and deal_size is None:
        create_task(description=WON_WITHOUT_PRICE, source=OTTO,
                    contact_card_id=appointment.contact_card_id, lead_id=appointment.lead_id,
                    appointment_id=appointment.id, action_type="manager_review",
                    assigned_to="manager", priority="high",
                    metadata={"recording_session_id": session.id, "recording_analysis_id": row.id})
        log.info("appointment %s: visit sounds won but no price was heard; left for review",
                 appointment.id)
        return
    try:
        with db.session.begin_nested():
            set_outcome(appointment, verdict.outcome, actor=OTTO,
                        deal_size=deal_size if verdict.outcome == "won" else None)
    except ApiError as refusal:  # cancelled, or already decided: a person's word stands
        log.info("appointment %s: visit outcome %s not applied (%s)", appointment.id,
                 verdict.outcome, refusal)


def _store_sop_results(session: RecordingSession, analysis: dict, notes_kept: bool) -> None:
    """One sop_compliance_results row per checklist item the analysis judged."""
    for result in (analysis.get("compliance") or {}).get("stage_results") or []:
        item, status = result.get("stage"), result.get("status")
        if item not in enums.SOP_CHECKLIST_ITEM or status not in enums.SOP_ITEM_STATUS:
            continue  # a company's own stage names have no checklist enum value
        start = result.get("start")
        db.session.add(SopComplianceResult(
            company_id=session.company_id, appointment_id=session.appointment_id,
            recording_session_id=session.id, checklist_item=item, status=status,
            notes=result.get("quote") if notes_kept else None,
            timestamp=session.started_at + timedelta(seconds=start)
            if isinstance(start, (int, float)) else None,
            detected_by=OTTO,
            confidence_score=None if status == "missed" else JUDGED_STAGE_CONFIDENCE))


def _create_tasks(session: RecordingSession, appointment: Appointment, analysis: dict,
                  ghost: bool) -> None:
    for action in (analysis.get("summary") or {}).get("pending_actions") or []:
        description = action.get("action")
        if not description:
            continue
        action_type = action.get("action_type")
        action_type = action_type if action_type in enums.ACTION_TYPE else "custom"
        # The rep who made the visit follows up, unless the action is a manager's by nature.
        assigned_to = "manager" if default_assignee(action_type) == "manager" else "rep"
        priority = action.get("priority")
        task = create_task(
            description=description, source=OTTO, contact_card_id=appointment.contact_card_id,
            lead_id=appointment.lead_id, appointment_id=appointment.id, action_type=action_type,
            assigned_to=assigned_to, assignee_id=session.rep_id if assigned_to == "rep" else None,
            due_at=parse_company_time(action.get("due_at"), session.company_id),
            priority=priority if priority in enums.PRIORITY else None,
            metadata={"recording_session_id": session.id,
                      "quote": None if ghost else action.get("quote")})
        if task is not None:
            record_event(appointment.contact_card_id, "automation_task_created",
                         lead_id=appointment.lead_id, appointment_id=appointment.id,
                         actor_id=OTTO, actor_role="ai", description=description,
                         metadata={"task_id": task.id, "recording_session_id": session.id})


def _raise_missed_opportunities(session: RecordingSession, appointment: Appointment,
                                row: RecordingAnalysis, analysis: dict) -> None:
    missed = (analysis.get("opportunity_analysis") or {}).get("missed_opportunities") or []
    described = [item for item in missed if isinstance(item, dict) and item.get("description")]
    for item in described[:MAX_MISSED_OPPORTUNITY_SIGNALS]:
        create_signal(contact_card_id=appointment.contact_card_id, signal_type="opportunity",
                      severity="medium", title=f"Missed Opportunity: {item['description'][:50]}",
                      description=item.get("suggestion") or item["description"],
                      lead_id=appointment.lead_id, appointment_id=appointment.id,
                      metadata={"type": item.get("type"), "recording_session_id": session.id,
                                "recording_analysis_id": row.id})


def _objection_detail(objection: dict) -> dict:
    return {"type": objection.get("category_text"), "quote": objection.get("objection_text"),
            "resolved": bool(objection.get("overcome")), "category_id": objection.get("category_id"),
            "severity": objection.get("severity"), "timestamp": objection.get("timestamp")}


def _retained_payload(analysis: dict, retention: str | None) -> dict | None:
    """The normalized analysis as retention allows: whole, without the transcript (and without
    the summary unless `minimal`), or nothing (`none`)."""
    if retention is None:
        return analysis
    if retention == "none":
        return None
    dropped = ("transcript",) if retention == "minimal" else ("transcript", "summary")
    return {key: value for key, value in analysis.items() if key not in dropped}


def _transcript_row(session: RecordingSession) -> RecordingTranscript | None:
    return db.session.execute(
        select(RecordingTranscript).where(RecordingTranscript.recording_session_id == session.id)
    ).scalar_one_or_none()
