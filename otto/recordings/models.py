"""recording_sessions, recording_transcripts and recording_analyses (one of each per session)."""

import uuid
from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint, func, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, utcnow
from otto.errors import NotFound
from otto.tenancy import TenantMixin

ACTIVE_SESSION_STATUSES = ("pending", "recording")
_ACTIVE = text("status IN ('pending', 'recording')")


def _new_id() -> str:
    return str(uuid.uuid4())


class RecordingSession(TenantMixin, Timestamped, Base):
    """One visit recording. Start inserts it as `recording`, stop makes it `completed`.

    Two partial unique indexes keep at most one active (`pending`/`recording`) session per
    appointment and per rep, so concurrent starts cannot both succeed.
    """

    __tablename__ = "recording_sessions"
    __table_args__ = (
        Index("uq_recording_sessions_active_appointment", "company_id", "appointment_id",
              unique=True, postgresql_where=_ACTIVE),
        Index("uq_recording_sessions_active_rep", "company_id", "rep_id",
              unique=True, postgresql_where=_ACTIVE),
        Index(None, "company_id", "rep_id", "started_at"),
        Index(None, "company_id", "appointment_id"),
        Index(None, "company_id", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    rep_id: Mapped[str] = mapped_column(ForeignKey("sales_reps.user_id", ondelete="CASCADE"))
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    shift_id: Mapped[str | None] = mapped_column(ForeignKey("rep_shifts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(
        enum_column(enums.RECORDING_SESSION_STATUS, "recording_session_status"), default="pending",
        server_default="pending")
    mode: Mapped[str] = mapped_column(
        enum_column(enums.RECORDING_MODE, "recording_mode"), default="normal",
        server_default="normal")
    audio_storage_mode: Mapped[str] = mapped_column(
        enum_column(enums.AUDIO_STORAGE_MODE, "audio_storage_mode"), default="persistent",
        server_default="persistent")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    start_lat: Mapped[float | None] = mapped_column(Float)
    start_lng: Mapped[float | None] = mapped_column(Float)
    end_lat: Mapped[float | None] = mapped_column(Float)
    end_lng: Mapped[float | None] = mapped_column(Float)
    geofence_radius_start: Mapped[float | None] = mapped_column(Float)  # feet
    geofence_radius_stop: Mapped[float | None] = mapped_column(Float)  # feet
    audio_url: Mapped[str | None] = mapped_column(String(2048))
    audio_duration_seconds: Mapped[float | None] = mapped_column(Float)
    audio_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    transcription_status: Mapped[str] = mapped_column(
        enum_column(enums.PROCESSING_STATUS, "transcription_status"), default="not_started",
        server_default="not_started")
    analysis_status: Mapped[str] = mapped_column(
        enum_column(enums.PROCESSING_STATUS, "analysis_status"), default="not_started",
        server_default="not_started")
    shunya_asr_job_id: Mapped[str | None] = mapped_column(String(128))
    shunya_analysis_job_id: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # ephemeral audio

    appointment: Mapped["Appointment"] = relationship(back_populates="recording_sessions")  # noqa: F821
    rep: Mapped["SalesRep"] = relationship()  # noqa: F821
    shift: Mapped["RepShift | None"] = relationship()  # noqa: F821
    transcript: Mapped["RecordingTranscript | None"] = relationship(
        back_populates="recording_session", uselist=False, passive_deletes=True)
    analysis: Mapped["RecordingAnalysis | None"] = relationship(
        back_populates="recording_session", uselist=False, passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SESSION_STATUSES

    @classmethod
    def get_for_company(cls, session_id, not_found=None) -> "RecordingSession":
        return super().get_for_company(session_id, not_found or (
            lambda: NotFound(f"Recording session {session_id} not found")))


class RecordingTranscript(TenantMixin, Timestamped, Base):
    """A session's transcript; `transcript_text` is null when ghost-mode retention restricts it."""

    __tablename__ = "recording_transcripts"
    __table_args__ = (
        UniqueConstraint("company_id", "recording_session_id"),
        UniqueConstraint("company_id", "uwc_job_id"),
        Index(None, "company_id", "appointment_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    recording_session_id: Mapped[str] = mapped_column(
        ForeignKey("recording_sessions.id", ondelete="CASCADE"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    uwc_job_id: Mapped[str | None] = mapped_column(String(128))
    transcript_text: Mapped[str | None] = mapped_column(Text)
    # [{speaker, text, start_time, end_time}]
    speaker_labels: Mapped[list | None] = mapped_column(JSON)
    confidence_score: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(16), default="en-US", server_default="en-US")
    word_count: Mapped[int | None] = mapped_column(Integer)
    processing_time_ms: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str | None] = mapped_column(String(128))
    is_ghost_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    transcript_restricted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false")

    recording_session: Mapped[RecordingSession] = relationship(back_populates="transcript")


class RecordingAnalysis(TenantMixin, Timestamped, Base):
    """The analysis of a visit; kept even in ghost mode (it holds aggregates, not the words)."""

    __tablename__ = "recording_analyses"
    __table_args__ = (
        UniqueConstraint("company_id", "recording_session_id"),
        Index(None, "company_id", "appointment_id"),
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "analyzed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    recording_session_id: Mapped[str] = mapped_column(
        ForeignKey("recording_sessions.id", ondelete="CASCADE"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    objections: Mapped[list | None] = mapped_column(JSON)  # labels
    objection_details: Mapped[list | None] = mapped_column(JSON)
    sentiment_score: Mapped[float | None] = mapped_column(Float)  # 0–1
    engagement_score: Mapped[float | None] = mapped_column(Float)  # 0–1
    coaching_tips: Mapped[list | None] = mapped_column(JSON)
    sop_stages_completed: Mapped[list | None] = mapped_column(JSON)
    sop_stages_missed: Mapped[list | None] = mapped_column(JSON)
    sop_compliance_score: Mapped[float | None] = mapped_column(Float)  # 0–10
    talk_time_ratio: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(enum_column(enums.VISIT_OUTCOME, "visit_outcome"))
    outcome_confidence: Mapped[float | None] = mapped_column(Float)
    lead_quality: Mapped[str | None] = mapped_column(
        enum_column(enums.LEAD_QUALITY, "lead_quality"))
    conversion_probability: Mapped[float | None] = mapped_column(Float)  # 0–1
    meeting_segments: Mapped[list | None] = mapped_column(JSON)
    uwc_job_id: Mapped[str | None] = mapped_column(String(128))
    analyzed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())
    analysis_version: Mapped[str] = mapped_column(String(32), default="v1", server_default="v1")
    processing_time_ms: Mapped[int | None] = mapped_column(Integer)
    is_ghost_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    normalized_payload: Mapped[dict | None] = mapped_column(JSON)

    recording_session: Mapped[RecordingSession] = relationship(back_populates="analysis")
