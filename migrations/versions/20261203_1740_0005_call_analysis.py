"""call analysis: transcripts, versioned analyses, mobile v0 extractions, SOP results

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

from otto.tenancy import rls_statements

TENANT_TABLES = ("call_transcripts", "transcript_analyses", "call_analysis", "sop_compliance_results")

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_transcripts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('uwc_job_id', sa.String(length=128), nullable=False),
    sa.Column('transcript_text', sa.Text(), nullable=False),
    sa.Column('speaker_labels', sa.JSON(), nullable=True),
    sa.Column('confidence_score', sa.Float(), nullable=True),
    sa.Column('language', sa.String(length=16), server_default='en-US', nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=True),
    sa.Column('processing_time_ms', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_call_transcripts_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_call_transcripts_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_transcripts')),
    sa.UniqueConstraint('company_id', 'uwc_job_id', name=op.f('uq_call_transcripts_company_id_uwc_job_id'))
    )
    op.create_index(op.f('ix_call_transcripts_company_id'), 'call_transcripts', ['company_id'], unique=False)
    op.create_index(op.f('ix_call_transcripts_company_id_call_id'), 'call_transcripts', ['company_id', 'call_id'], unique=False)
    op.create_index(op.f('ix_call_transcripts_company_id_created_at'), 'call_transcripts', ['company_id', 'created_at'], unique=False)
    op.create_table('transcript_analyses',
    sa.Column('analysis_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('greeting', sa.JSON(), nullable=True),
    sa.Column('customer_decision', sa.JSON(), nullable=True),
    sa.Column('quoted_price', sa.JSON(), nullable=True),
    sa.Column('company_mentions', sa.JSON(), nullable=True),
    sa.Column('farewell', sa.JSON(), nullable=True),
    sa.Column('rep_greeting_quote', sa.Text(), nullable=True),
    sa.Column('rep_greeting_timestamp', sa.String(length=16), nullable=True),
    sa.Column('rep_introduction_quote', sa.Text(), nullable=True),
    sa.Column('rep_introduction_timestamp', sa.String(length=16), nullable=True),
    sa.Column('company_mention_quote', sa.Text(), nullable=True),
    sa.Column('company_mention_timestamp', sa.String(length=16), nullable=True),
    sa.Column('company_mention_count', sa.Integer(), nullable=True),
    sa.Column('price_quote', sa.Text(), nullable=True),
    sa.Column('price_quote_timestamp', sa.String(length=16), nullable=True),
    sa.Column('price_amount', sa.String(length=64), nullable=True),
    sa.Column('payment_discussion_quote', sa.Text(), nullable=True),
    sa.Column('payment_discussion_timestamp', sa.String(length=16), nullable=True),
    sa.Column('discount_mention_quote', sa.Text(), nullable=True),
    sa.Column('discount_mention_timestamp', sa.String(length=16), nullable=True),
    sa.Column('customer_decision_quote', sa.Text(), nullable=True),
    sa.Column('customer_decision_timestamp', sa.String(length=16), nullable=True),
    sa.Column('customer_decision_status', sa.Enum('bought', 'deciding', 'rejected', name='customer_decision', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('agreement_mention_quote', sa.Text(), nullable=True),
    sa.Column('agreement_mention_timestamp', sa.String(length=16), nullable=True),
    sa.Column('goodbye_quote', sa.Text(), nullable=True),
    sa.Column('goodbye_timestamp', sa.String(length=16), nullable=True),
    sa.Column('follow_up_quote', sa.Text(), nullable=True),
    sa.Column('follow_up_timestamp', sa.String(length=16), nullable=True),
    sa.Column('follow_up_date', sa.String(length=64), nullable=True),
    sa.Column('document_sending_quote', sa.Text(), nullable=True),
    sa.Column('document_sending_timestamp', sa.String(length=16), nullable=True),
    sa.Column('document_type', sa.String(length=64), nullable=True),
    sa.Column('paperwork_mention_quote', sa.Text(), nullable=True),
    sa.Column('paperwork_mention_timestamp', sa.String(length=16), nullable=True),
    sa.Column('raw_analysis', sa.JSON(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=False),
    sa.Column('analysis_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_transcript_analyses_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_transcript_analyses_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('analysis_id', name=op.f('pk_transcript_analyses')),
    sa.UniqueConstraint('company_id', 'call_id', 'analysis_version', name=op.f('uq_transcript_analyses_company_id_call_id_analysis_version'))
    )
    op.create_index(op.f('ix_transcript_analyses_company_id'), 'transcript_analyses', ['company_id'], unique=False)
    op.create_table('call_analysis',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.Enum('local', 'openai', 'shunya', 'heuristic', name='analysis_provider', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('objections', sa.JSON(), nullable=True),
    sa.Column('objection_details', sa.JSON(), nullable=True),
    sa.Column('sentiment_score', sa.Float(), nullable=True),
    sa.Column('engagement_score', sa.Float(), nullable=True),
    sa.Column('coaching_tips', sa.JSON(), nullable=True),
    sa.Column('sop_stages_completed', sa.JSON(), nullable=True),
    sa.Column('sop_stages_missed', sa.JSON(), nullable=True),
    sa.Column('sop_compliance_score', sa.Float(), nullable=True),
    sa.Column('compliance_violations', sa.JSON(), nullable=True),
    sa.Column('compliance_positive_behaviors', sa.JSON(), nullable=True),
    sa.Column('compliance_recommendations', sa.JSON(), nullable=True),
    sa.Column('rehash_score', sa.Float(), nullable=True),
    sa.Column('talk_time_ratio', sa.Float(), nullable=True),
    sa.Column('lead_quality', sa.Enum('qualified', 'unqualified', 'hot', 'warm', 'cold', name='lead_quality', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('qualification_status', sa.Enum('hot', 'warm', 'cold', 'unqualified', name='qualification_status', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('bant_scores', sa.JSON(), nullable=True),
    sa.Column('conversion_probability', sa.Float(), nullable=True),
    sa.Column('booking_status', sa.Enum('booked', 'not_booked', 'service_not_offered', name='booking_status', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('call_type', sa.Enum('sales_call', 'csr_call', name='call_type', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('call_outcome_category', sa.Enum('qualified_and_booked', 'qualified_service_not_offered', 'qualified_but_unbooked', name='call_outcome_category', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('outcome_decision', sa.Enum('pass', 'needs_coaching', 'fail', name='outcome_decision', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('performance_score', sa.Float(), nullable=True),
    sa.Column('meeting_segments', sa.JSON(), nullable=True),
    sa.Column('followup_recommendations', sa.JSON(), nullable=True),
    sa.Column('normalized_payload', sa.JSON(), nullable=True),
    sa.Column('processed_output_hash', sa.String(length=64), nullable=True),
    sa.Column('uwc_job_id', sa.String(length=128), nullable=False),
    sa.Column('analyzed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('analysis_version', sa.String(length=32), nullable=False),
    sa.Column('processing_time_ms', sa.Integer(), nullable=True),
    sa.Column('transcript_id', sa.String(length=36), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_call_analysis_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_call_analysis_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['call_transcripts.id'], name=op.f('fk_call_analysis_transcript_id_call_transcripts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_analysis')),
    sa.UniqueConstraint('company_id', 'call_id', 'version_number', name=op.f('uq_call_analysis_company_id_call_id_version_number')),
    sa.UniqueConstraint('company_id', 'uwc_job_id', name=op.f('uq_call_analysis_company_id_uwc_job_id'))
    )
    op.create_index(op.f('ix_call_analysis_company_id'), 'call_analysis', ['company_id'], unique=False)
    op.create_index(op.f('ix_call_analysis_company_id_analyzed_at'), 'call_analysis', ['company_id', 'analyzed_at'], unique=False)
    op.create_table('sop_compliance_results',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('recording_session_id', sa.String(length=36), nullable=True),
    sa.Column('call_analysis_id', sa.String(length=36), nullable=True),
    sa.Column('checklist_item', sa.Enum('greeting', 'building_rapport', 'understanding_needs', 'inspecting_roof', 'taking_photos', 'presenting_estimate', 'explaining_warranty', 'reviewing_price', 'discussing_financing', 'cancellation_rights_disclosed', 'closing_attempt', 'next_steps_given', name='sop_checklist_item', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status', sa.Enum('completed', 'missed', 'warning', name='sop_item_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detected_by', sa.Enum('shunya', 'otto', 'manual', name='detected_by', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('confidence_score', sa.Float(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_sop_compliance_results_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['call_analysis_id'], ['call_analysis.id'], name=op.f('fk_sop_compliance_results_call_analysis_id_call_analysis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_sop_compliance_results_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sop_compliance_results_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_session_id'], ['recording_sessions.id'], name=op.f('fk_sop_compliance_results_recording_session_id_recording_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sop_compliance_results'))
    )
    op.create_index(op.f('ix_sop_compliance_results_company_id'), 'sop_compliance_results', ['company_id'], unique=False)
    op.create_index(op.f('ix_sop_compliance_results_company_id_appointment_id'), 'sop_compliance_results', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_sop_compliance_results_company_id_call_id'), 'sop_compliance_results', ['company_id', 'call_id'], unique=False)
    op.create_index(op.f('ix_sop_compliance_results_company_id_recording_session_id'), 'sop_compliance_results', ['company_id', 'recording_session_id'], unique=False)
    for table in TENANT_TABLES:
        for statement in rls_statements(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f('ix_sop_compliance_results_company_id_recording_session_id'), table_name='sop_compliance_results')
    op.drop_index(op.f('ix_sop_compliance_results_company_id_call_id'), table_name='sop_compliance_results')
    op.drop_index(op.f('ix_sop_compliance_results_company_id_appointment_id'), table_name='sop_compliance_results')
    op.drop_index(op.f('ix_sop_compliance_results_company_id'), table_name='sop_compliance_results')
    op.drop_table('sop_compliance_results')
    op.drop_index(op.f('ix_call_analysis_company_id_analyzed_at'), table_name='call_analysis')
    op.drop_index(op.f('ix_call_analysis_company_id'), table_name='call_analysis')
    op.drop_table('call_analysis')
    op.drop_index(op.f('ix_transcript_analyses_company_id'), table_name='transcript_analyses')
    op.drop_table('transcript_analyses')
    op.drop_index(op.f('ix_call_transcripts_company_id_created_at'), table_name='call_transcripts')
    op.drop_index(op.f('ix_call_transcripts_company_id_call_id'), table_name='call_transcripts')
    op.drop_index(op.f('ix_call_transcripts_company_id'), table_name='call_transcripts')
    op.drop_table('call_transcripts')
