"""call_transcripts, call_analysis (versioned), transcript_analyses (mobile v0) and
sop_compliance_results."""

import uuid
from datetime import datetime

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, synonym

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, utcnow
from otto.tenancy import TenantMixin


def _new_id() -> str:
    return str(uuid.uuid4())


class CallTranscript(TenantMixin, Timestamped, Base):
    """A transcript of a call: from speech recognition, a vendor, or text handed to Otto."""

    __tablename__ = "call_transcripts"
    __table_args__ = (
        UniqueConstraint("company_id", "uwc_job_id"),
        Index(None, "company_id", "call_id"),
        Index(None, "company_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    call_id: Mapped[int] = mapped_column(Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    # The vendor's job id, or `local_<uuid>` when Otto transcribed the audio itself.
    uwc_job_id: Mapped[str] = mapped_column(String(128))
    transcript_text: Mapped[str] = mapped_column(Text)
    # [{speaker, text, start_time, end_time}]; speaker is null when the engine cannot tell.
    speaker_labels: Mapped[list | None] = mapped_column(JSON)
    confidence_score: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(16), default="en-US", server_default="en-US")
    word_count: Mapped[int | None] = mapped_column(Integer)
    processing_time_ms: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str | None] = mapped_column(String(128))


class CallAnalysis(TenantMixin, Base):
    """One analysis version of a call; re-analysis adds a row, so history is kept.

    `version_number` orders the versions (1, 2, …); `analysis_version` is its label (`v1`, …).
    """

    __tablename__ = "call_analysis"
    __table_args__ = (
        UniqueConstraint("company_id", "call_id", "version_number"),
        UniqueConstraint("company_id", "uwc_job_id"),
        Index(None, "company_id", "analyzed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    call_id: Mapped[int] = mapped_column(Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(enum_column(enums.ANALYSIS_PROVIDER, "analysis_provider"))
    objections: Mapped[list | None] = mapped_column(JSON)  # category labels
    objection_details: Mapped[list | None] = mapped_column(JSON)
    sentiment_score: Mapped[float | None] = mapped_column(Float)  # 0–1
    engagement_score: Mapped[float | None] = mapped_column(Float)  # 0–1
    coaching_tips: Mapped[list | None] = mapped_column(JSON)
    sop_stages_completed: Mapped[list | None] = mapped_column(JSON)
    sop_stages_missed: Mapped[list | None] = mapped_column(JSON)
    sop_compliance_score: Mapped[float | None] = mapped_column(Float)  # 0–10
    compliance_violations: Mapped[list | None] = mapped_column(JSON)
    compliance_positive_behaviors: Mapped[list | None] = mapped_column(JSON)
    compliance_recommendations: Mapped[list | None] = mapped_column(JSON)
    rehash_score: Mapped[float | None] = mapped_column(Float)  # 0–10
    talk_time_ratio: Mapped[float | None] = mapped_column(Float)
    lead_quality: Mapped[str | None] = mapped_column(
        enum_column(enums.LEAD_QUALITY, "lead_quality"))
    qualification_status: Mapped[str | None] = mapped_column(
        enum_column(enums.QUALIFICATION_STATUS, "qualification_status"))
    bant_scores: Mapped[dict | None] = mapped_column(JSON)
    conversion_probability: Mapped[float | None] = mapped_column(Float)
    booking_status: Mapped[str | None] = mapped_column(
        enum_column(enums.BOOKING_STATUS, "booking_status"))
    call_type: Mapped[str | None] = mapped_column(enum_column(enums.CALL_TYPE, "call_type"))
    call_outcome_category: Mapped[str | None] = mapped_column(
        enum_column(enums.CALL_OUTCOME_CATEGORY, "call_outcome_category"))
    outcome_decision: Mapped[str | None] = mapped_column(
        enum_column(enums.OUTCOME_DECISION, "outcome_decision"))
    performance_score: Mapped[float | None] = mapped_column(Float)  # 0–100
    meeting_segments: Mapped[list | None] = mapped_column(JSON)
    followup_recommendations: Mapped[dict | None] = mapped_column(JSON)
    normalized_payload: Mapped[dict | None] = mapped_column(JSON)
    processed_output_hash: Mapped[str | None] = mapped_column(String(64))
    # Vendor job id, `local_<uuid>`, `openai_<uuid>` or `legacy_analysis_<uuid>`; never empty.
    uwc_job_id: Mapped[str] = mapped_column(String(128))
    analyzed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())
    version_number: Mapped[int] = mapped_column(Integer)
    analysis_version: Mapped[str] = mapped_column(String(32))
    processing_time_ms: Mapped[int | None] = mapped_column(Integer)
    # Where the analysed words came from: a call_transcripts row, or null for `calls.transcript`.
    transcript_id: Mapped[str | None] = mapped_column(
        ForeignKey("call_transcripts.id", ondelete="SET NULL"))


class TranscriptAnalysis(TenantMixin, Base):
    """One mobile "v0" extraction of a visit transcript (versioned per call)."""

    __tablename__ = "transcript_analyses"
    __table_args__ = (UniqueConstraint("company_id", "call_id", "analysis_version"),)

    analysis_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    greeting: Mapped[dict | None] = mapped_column(JSON)
    customer_decision: Mapped[dict | None] = mapped_column(JSON)
    quoted_price: Mapped[dict | None] = mapped_column(JSON)
    company_mentions: Mapped[dict | None] = mapped_column(JSON)
    farewell: Mapped[dict | None] = mapped_column(JSON)

    # The quotes and HH:MM:SS timestamps above, flattened for queries and legacy readers.
    rep_greeting_quote: Mapped[str | None] = mapped_column(Text)
    rep_greeting_timestamp: Mapped[str | None] = mapped_column(String(16))
    rep_introduction_quote: Mapped[str | None] = mapped_column(Text)
    rep_introduction_timestamp: Mapped[str | None] = mapped_column(String(16))
    company_mention_quote: Mapped[str | None] = mapped_column(Text)
    company_mention_timestamp: Mapped[str | None] = mapped_column(String(16))
    company_mention_count: Mapped[int | None] = mapped_column(Integer)
    price_quote: Mapped[str | None] = mapped_column(Text)
    price_quote_timestamp: Mapped[str | None] = mapped_column(String(16))
    price_amount: Mapped[str | None] = mapped_column(String(64))
    payment_discussion_quote: Mapped[str | None] = mapped_column(Text)
    payment_discussion_timestamp: Mapped[str | None] = mapped_column(String(16))
    discount_mention_quote: Mapped[str | None] = mapped_column(Text)
    discount_mention_timestamp: Mapped[str | None] = mapped_column(String(16))
    customer_decision_quote: Mapped[str | None] = mapped_column(Text)
    customer_decision_timestamp: Mapped[str | None] = mapped_column(String(16))
    customer_decision_status: Mapped[str | None] = mapped_column(
        enum_column(enums.CUSTOMER_DECISION, "customer_decision"))
    agreement_mention_quote: Mapped[str | None] = mapped_column(Text)
    agreement_mention_timestamp: Mapped[str | None] = mapped_column(String(16))
    goodbye_quote: Mapped[str | None] = mapped_column(Text)
    goodbye_timestamp: Mapped[str | None] = mapped_column(String(16))
    follow_up_quote: Mapped[str | None] = mapped_column(Text)
    follow_up_timestamp: Mapped[str | None] = mapped_column(String(16))
    follow_up_date: Mapped[str | None] = mapped_column(String(64))
    document_sending_quote: Mapped[str | None] = mapped_column(Text)
    document_sending_timestamp: Mapped[str | None] = mapped_column(String(16))
    document_type: Mapped[str | None] = mapped_column(String(64))
    paperwork_mention_quote: Mapped[str | None] = mapped_column(Text)
    paperwork_mention_timestamp: Mapped[str | None] = mapped_column(String(16))

    raw_analysis: Mapped[dict | None] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(128))  # `v0:<model id>`
    analysis_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())

    id = synonym("analysis_id")


class SopComplianceResult(TenantMixin, Timestamped, Base):
    """The verdict on one SOP checklist item of a visit or sales call, with its evidence."""

    __tablename__ = "sop_compliance_results"
    __table_args__ = (
        Index(None, "company_id", "call_id"),
        Index(None, "company_id", "appointment_id"),
        Index(None, "company_id", "recording_session_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    recording_session_id: Mapped[str | None] = mapped_column(
        ForeignKey("recording_sessions.id", ondelete="CASCADE"))
    # The call analysis version the verdict came from (null for visit and manual results).
    call_analysis_id: Mapped[str | None] = mapped_column(
        ForeignKey("call_analysis.id", ondelete="CASCADE"))
    checklist_item: Mapped[str] = mapped_column(
        enum_column(enums.SOP_CHECKLIST_ITEM, "sop_checklist_item"))
    status: Mapped[str] = mapped_column(enum_column(enums.SOP_ITEM_STATUS, "sop_item_status"))
    notes: Mapped[str | None] = mapped_column(Text)  # the evidence quote, when there is one
    timestamp: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detected_by: Mapped[str] = mapped_column(enum_column(enums.DETECTED_BY, "detected_by"))
    confidence_score: Mapped[float | None] = mapped_column(Float)
