"""A contact's calls (with transcript and analysis), messages and timeline, as summaries."""

import json
import logging
from datetime import datetime, timezone

from sqlalchemy import select

from otto.calls.models import Call
from otto.contacts.models import ContactCard, EventLog
from otto.db import db
from otto.fields import parse_utc, utc_iso
from otto.messages.models import MessageThread

try:  # call transcripts and analyses exist when the analysis area is installed
    from otto.analysis.models import CallAnalysis, CallTranscript
except ImportError:
    CallAnalysis = CallTranscript = None

log = logging.getLogger(__name__)

ANALYSIS_FIELDS = ("objections", "objection_details", "sentiment_score", "engagement_score",
                   "coaching_tips", "sop_stages_completed", "sop_stages_missed",
                   "sop_compliance_score", "rehash_score", "lead_quality",
                   "conversion_probability")
EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def newest_calls(contact_id: str, limit: int) -> list[Call]:
    return list(db.session.execute(
        select(Call).where(Call.contact_card_id == contact_id)
        .order_by(Call.created_at.desc(), Call.call_id.desc()).limit(limit)
    ).scalars())


def newest_transcripts(call_ids: list[int]) -> dict:
    """The newest transcript row of each call, by call id."""
    if CallTranscript is None or not call_ids:
        return {}
    rows = db.session.execute(
        select(CallTranscript).where(CallTranscript.call_id.in_(call_ids))
        .order_by(CallTranscript.call_id, CallTranscript.created_at.desc())
        .distinct(CallTranscript.call_id)
    ).scalars()
    return {row.call_id: row for row in rows}


def newest_analyses(call_ids: list[int]) -> dict:
    """The newest analysis version of each call, by call id."""
    if CallAnalysis is None or not call_ids:
        return {}
    rows = db.session.execute(
        select(CallAnalysis).where(CallAnalysis.call_id.in_(call_ids))
        .order_by(CallAnalysis.call_id, CallAnalysis.version_number.desc())
        .distinct(CallAnalysis.call_id)
    ).scalars()
    return {row.call_id: row for row in rows}


def analysis_summary(analysis) -> dict | None:
    """CallAnalysisSummary of a call or visit analysis (visits have no rehash score)."""
    if analysis is None:
        return None
    summary = {"id": analysis.id}
    summary.update({name: getattr(analysis, name, None) for name in ANALYSIS_FIELDS})
    summary["analyzed_at"] = utc_iso(analysis.analyzed_at)
    return summary


def call_summary(call: Call, transcript=None, analysis=None, *, with_ai: bool = True) -> dict:
    summary = {
        "call_id": call.call_id, "phone_number": call.phone_number, "direction": call.direction,
        "missed_call": call.missed_call, "booked": call.booked, "bought": call.bought,
        "created_at": utc_iso(call.created_at), "duration_seconds": call.last_call_duration,
        "recording_url": call.recording_url,
    }
    if not with_ai:
        return summary
    if transcript is not None:
        summary["transcript"] = {
            "id": transcript.id, "transcript_text": transcript.transcript_text,
            "confidence_score": transcript.confidence_score, "word_count": transcript.word_count,
            "created_at": utc_iso(transcript.created_at)}
    elif call.transcript:
        # Text typed or pasted into the call record, before any transcription ran.
        summary["transcript"] = {"id": None, "transcript_text": call.transcript,
                                 "confidence_score": None,
                                 "word_count": len(call.transcript.split()),
                                 "created_at": utc_iso(call.created_at)}
    else:
        summary["transcript"] = None
    summary["analysis"] = analysis_summary(analysis)
    return summary


def merged_messages(contact: ContactCard, limit: int) -> list[dict]:
    """The contact's SMS, newest first: message_threads rows and legacy `calls.text_messages`."""
    threads = db.session.execute(
        select(MessageThread).where(MessageThread.contact_card_id == contact.id)
        .order_by(MessageThread.created_at.desc()).limit(limit)
    ).scalars()
    messages = [(row.created_at, {
        "timestamp": utc_iso(row.created_at), "sender": row.sender, "role": row.sender_role,
        "body": row.body, "direction": row.direction, "type": row.message_type,
        "message_sid": row.message_sid}) for row in threads]

    legacy = db.session.execute(
        select(Call.call_id, Call.phone_number, Call.text_messages)
        .where(Call.contact_card_id == contact.id, Call.text_messages.is_not(None))
    ).all()
    for call_id, phone_number, text_messages in legacy:
        messages.extend(_legacy_messages(call_id, phone_number, text_messages))

    messages.sort(key=lambda pair: pair[0] or EPOCH, reverse=True)
    return [message for _, message in messages[:limit]]


def _legacy_messages(call_id: int, phone_number: str | None, raw: str) -> list[tuple]:
    try:
        entries = json.loads(raw)
    except ValueError:
        log.info("call %s: text_messages is not JSON; skipped", call_id)
        return []
    messages = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        inbound = entry.get("direction") == "inbound"
        manual = entry.get("type") == "manual" or entry.get("manual") is True
        sent_at = parse_utc(entry.get("timestamp"))
        messages.append((sent_at, {
            "timestamp": utc_iso(sent_at) if sent_at else entry.get("timestamp"),
            "sender": phone_number if inbound else "otto",
            "role": "customer" if inbound else "otto", "body": entry.get("message"),
            "direction": "inbound" if inbound else "outbound",
            "type": "manual" if manual else "automated", "message_sid": entry.get("message_sid")}))
    return messages


def event_summary(event: EventLog) -> dict:
    return {"id": event.id, "event_type": event.event_type, "timestamp": utc_iso(event.timestamp),
            "description": event.description, "actor_role": event.actor_role,
            "metadata": event.event_metadata}


def timeline(contact_id: str, limit: int, *, automation_only: bool = False) -> list[EventLog]:
    """The contact's newest `limit` timeline rows (newest first)."""
    query = select(EventLog).where(EventLog.contact_card_id == contact_id)
    if automation_only:
        query = query.where(EventLog.event_type.like("automation\\_%"))
    return list(db.session.execute(
        query.order_by(EventLog.timestamp.desc(), EventLog.id).limit(limit)).scalars())
