"""Mobile "v0" visit extraction: its input, its versions, and the call fields it sets (§4.9)."""

import logging
import re
import time
from datetime import date, datetime, time as day_time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ai.analysis.visit_v0 import (LOCAL_MODEL, PROCESS_DESCRIPTION, PROCESS_NAME, extract_visit_v0,
                                  extract_visit_v0_openai)
from ai.transcript import Transcript, TranscriptError
from otto.analysis.models import TranscriptAnalysis
from otto.analysis.service import analysis_client, analysis_context, iso, local_usage
from otto.analysis.sources import parse_transcript
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import CallNotFound, InvalidRequest, NotFound
from otto.rag.usage import record_usage

log = logging.getLogger(__name__)

PROCESSES = {PROCESS_NAME: PROCESS_DESCRIPTION}
SYNCED_FIELDS = ("bought", "still_deciding", "price_if_bought", "reason_for_lost_sale",
                 "reason_for_deciding")
# (detail name, section, quote key, timestamp key, extra detail keys → section keys)
_DETAILS = (
    ("rep_greeting", "greeting", "greeting_quote", "greeting_timestamp", {}),
    ("rep_introduction", "greeting", "introduction_quote", "introduction_timestamp", {}),
    ("company_mention", "greeting", "company_mention_quote", "company_mention_timestamp", {}),
    ("price_quote", "quoted_price", "quote", "timestamp", {"amount": "price"}),
    ("payment_discussion", "quoted_price", "payment_quote", "payment_timestamp", {}),
    ("discount_mention", "quoted_price", "discount_quote", "discount_timestamp", {}),
    ("customer_decision", "customer_decision", "quote", "timestamp", {"status": "status"}),
    ("agreement_mention", "customer_decision", "agreement_quote", "agreement_timestamp", {}),
    ("goodbye", "farewell", "goodbye_quote", "goodbye_timestamp", {}),
    ("follow_up", "farewell", "follow_up_quote", "follow_up_timestamp", {"date": "follow_up_date"}),
    ("document_sending", "farewell", "document_quote", "document_timestamp",
     {"type": "document_type"}),
    ("paperwork_mention", "farewell", "paperwork_quote", "paperwork_timestamp", {}),
)
_SECTIONS = ("greeting", "customer_decision", "quoted_price", "company_mentions", "farewell")


def visit_transcript(call: Call) -> Transcript:
    """The visit's words: `in_person_transcript`, else `mobile_transcript`, else `transcript`."""
    for raw in (call.in_person_transcript, call.mobile_transcript, call.transcript):
        if raw and raw.strip():
            try:
                return parse_transcript(raw)
            except TranscriptError as error:
                log.info("call %s: a transcript column was unreadable (%s)", call.call_id, error)
    raise InvalidRequest("The call has no transcript to analyze.")


def analyze_visit_v0(call: Call, transcript: Transcript | None = None
                     ) -> tuple[TranscriptAnalysis, bool, dict]:
    """Run v0 on the call, store the next version and sync the call: (row, degraded, changes)."""
    transcript = transcript or visit_transcript(call)
    context = analysis_context(call)
    client = analysis_client()
    started = time.perf_counter()
    if client is not None:
        result = extract_visit_v0_openai(transcript, client, context,
                                         on_usage=lambda usage: record_usage("analysis", usage))
        degraded = "degraded" in result
        model = LOCAL_MODEL if degraded else client.chat_model
    else:
        result = extract_visit_v0(transcript, context)
        record_usage("analysis", local_usage("v0:local", started, time.perf_counter()))
        degraded, model = False, LOCAL_MODEL

    row = store_v0(call, result, f"{PROCESS_NAME}:{model}")
    changes = sync_call_fields(call, row)
    return row, degraded, changes


def store_v0(call: Call, result: dict, model_version: str) -> TranscriptAnalysis:
    db.session.execute(select(Call.call_id).where(Call.call_id == call.call_id).with_for_update())
    previous = db.session.execute(
        select(func.max(TranscriptAnalysis.analysis_version))
        .where(TranscriptAnalysis.call_id == call.call_id)
    ).scalar() or 0
    sections = {name: result.get(name) or {} for name in _SECTIONS}
    row = TranscriptAnalysis(company_id=call.company_id, call_id=call.call_id,
                             raw_analysis=result, model_version=model_version,
                             analysis_version=previous + 1, **sections)
    for name, section, quote_key, time_key, _ in _DETAILS:
        quote_column = name if name == "price_quote" else f"{name}_quote"
        setattr(row, quote_column, sections[section].get(quote_key))
        setattr(row, f"{name}_timestamp", sections[section].get(time_key))
    row.company_mention_count = sections["company_mentions"].get("mention_count")
    row.price_amount = sections["quoted_price"].get("price")
    row.customer_decision_status = sections["customer_decision"].get("status")
    row.follow_up_date = sections["farewell"].get("follow_up_date")
    row.document_type = sections["farewell"].get("document_type")
    db.session.add(row)
    db.session.flush()
    log.info("call %s: v0 analysis %s stored as version %d (%s)", call.call_id, row.analysis_id,
             row.analysis_version, model_version)
    return row


def find_v0(call: Call, version: int | None = None) -> TranscriptAnalysis:
    """The newest (or the given) v0 version of the call; 404 NOT_FOUND when there is none."""
    query = select(TranscriptAnalysis).where(TranscriptAnalysis.call_id == call.call_id)
    if version is not None:
        query = query.where(TranscriptAnalysis.analysis_version == version)
    row = db.session.execute(
        query.order_by(TranscriptAnalysis.analysis_version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        raise NotFound("Transcript analysis not found", details={"call_id": call.call_id})
    return row


def v0_versions(call: Call) -> list[dict]:
    rows = db.session.execute(
        select(TranscriptAnalysis).where(TranscriptAnalysis.call_id == call.call_id)
        .order_by(TranscriptAnalysis.analysis_version.desc())).scalars()
    return [{"analysis_id": row.analysis_id, "version": row.analysis_version,
             "created_at": iso(row.created_at), "model_version": row.model_version}
            for row in rows]


def v0_view(row: TranscriptAnalysis) -> dict:
    details = {}
    for name, section, quote_key, time_key, extra in _DETAILS:
        source = getattr(row, section) or {}
        detail = {"quote": source.get(quote_key), "timestamp": source.get(time_key)}
        detail.update({key: source.get(field) for key, field in extra.items()})
        details[name] = detail
    details["company_mention"]["count"] = row.company_mention_count
    return {
        "analysis_id": row.analysis_id, "call_id": row.call_id, "created_at": iso(row.created_at),
        "model_version": row.model_version, "analysis_version": row.analysis_version,
        **{name: getattr(row, name) or {} for name in _SECTIONS},
        "details": details,
    }


def sync_call_fields(call: Call, row: TranscriptAnalysis) -> dict:
    """Apply the call sync rule of one v0 version; returns `{field: {before, after}}`."""
    before = {name: _plain(getattr(call, name)) for name in SYNCED_FIELDS}
    decision = row.customer_decision or {}
    status, quote = decision.get("status"), decision.get("quote")
    if status == "bought":
        call.bought, call.still_deciding = True, False
        price = price_value(row.price_amount or (row.quoted_price or {}).get("price"))
        if price is not None:
            call.price_if_bought = price
    elif status == "deciding":
        call.bought, call.still_deciding = False, True
        call.reason_for_deciding = quote
    elif status == "rejected":
        call.bought, call.still_deciding = False, False
        call.reason_for_lost_sale = quote
    if status is not None:
        call.updated_at = utcnow()

    changes = {name: {"before": before[name], "after": _plain(getattr(call, name))}
               for name in SYNCED_FIELDS}
    changed = [name for name, change in changes.items() if change["before"] != change["after"]]
    if changed:
        log.info("call %s: fields %s synced from v0 version %d", call.call_id, ", ".join(changed),
                 row.analysis_version)
    return changes


def price_value(price: str | None) -> Decimal | None:
    """"$12,500" → 12500: `$` and `,` stripped, the first number read."""
    if not price:
        return None
    match = re.search(r"\d+(?:\.\d+)?", price.replace("$", "").replace(",", ""))
    if match is None:
        return None
    try:
        return Decimal(match.group())
    except InvalidOperation:
        return None


def batch_sync(call_ids: list[int] | None, start_date: date | None, end_date: date | None,
               limit: int) -> dict:
    """Re-apply the newest v0 version to many calls, each in its own savepoint."""
    query = select(Call).where(Call.in_person_transcript.is_not(None),
                               Call.call_id.in_(select(TranscriptAnalysis.call_id)))
    if call_ids:
        found = set(db.session.execute(select(Call.call_id).where(Call.call_id.in_(call_ids)))
                    .scalars())
        missing = [call_id for call_id in call_ids if call_id not in found]
        if missing:
            raise CallNotFound("Some calls were not found.", details={"missing_call_ids": missing})
        query = query.where(Call.call_id.in_(call_ids))
    zone = _company_zone()
    if start_date is not None:
        query = query.where(Call.created_at >= datetime.combine(start_date, day_time(), zone))
    if end_date is not None:
        query = query.where(Call.created_at < datetime.combine(end_date + timedelta(days=1),
                                                               day_time(), zone))
    calls = list(db.session.execute(query.order_by(Call.call_id).limit(limit)).scalars())

    updated, skipped, errors = 0, 0, []
    for call in calls:
        try:
            with db.session.begin_nested():
                changes = sync_call_fields(call, find_v0(call))
        except Exception as error:  # one bad call must not stop the batch
            log.warning("call %s: batch sync failed: %s", call.call_id, type(error).__name__)
            errors.append({"call_id": call.call_id, "error": "Sync failed for this call."})
            continue
        if any(change["before"] != change["after"] for change in changes.values()):
            updated += 1
        else:
            skipped += 1
    return {"total_calls": len(calls), "updated_calls": updated, "skipped_calls": skipped,
            "errors": errors}


def _company_zone() -> ZoneInfo:
    from otto.tenancy import current_company_id

    company = db.session.get(Company, current_company_id())
    return ZoneInfo(company.timezone if company and company.timezone else "America/New_York")


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    return value
