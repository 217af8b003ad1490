"""sales floor: calls, contacts, leads, appointments, shifts, recordings, tasks, messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 17:09:04.412319
"""

import sqlalchemy as sa
from alembic import op

from otto.tenancy import rls_statements

TENANT_TABLES = (
    "contact_cards", "leads", "rep_shifts", "appointments", "calls", "lead_status_history",
    "event_logs", "key_signals", "message_threads", "mobile_recordings", "recording_sessions",
    "rep_assignment_history", "scheduled_calls", "tasks", "recording_analyses",
    "recording_transcripts",
)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_cards',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('primary_phone', sa.String(length=255), nullable=False),
    sa.Column('secondary_phone', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('first_name', sa.String(length=255), nullable=True),
    sa.Column('last_name', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('property_snapshot', sa.JSON(), nullable=True),
    sa.Column('property_snapshot_raw', sa.Text(), nullable=True),
    sa.Column('property_snapshot_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_contact_cards_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_cards')),
    sa.UniqueConstraint('company_id', 'primary_phone', name=op.f('uq_contact_cards_company_id_primary_phone'))
    )
    op.create_index(op.f('ix_contact_cards_company_id'), 'contact_cards', ['company_id'], unique=False)
    op.create_index(op.f('ix_contact_cards_company_id_email'), 'contact_cards', ['company_id', 'email'], unique=False)
    op.create_index(op.f('ix_contact_cards_company_id_secondary_phone'), 'contact_cards', ['company_id', 'secondary_phone'], unique=False)
    op.create_table('leads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.Enum('new', 'warm', 'hot', 'qualified_booked', 'qualified_unbooked', 'qualified_service_not_offered', 'nurturing', 'dormant', 'abandoned', 'closed_won', 'closed_lost', name='lead_status', native_enum=False, create_constraint=True, length=40), server_default='new', nullable=False),
    sa.Column('source', sa.Enum('unknown', 'inbound_call', 'inbound_web', 'referral', 'partner', 'other', name='lead_source', native_enum=False, create_constraint=True, length=40), server_default='unknown', nullable=False),
    sa.Column('campaign', sa.String(length=255), nullable=True),
    sa.Column('pipeline_stage', sa.String(length=255), nullable=True),
    sa.Column('priority', sa.Enum('high', 'medium', 'low', name='priority', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('last_contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_qualified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deal_status', sa.Enum('new', 'nurturing', 'booked', 'no-show', 'rescheduled', 'in-progress', 'won', 'lost', name='deal_status', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('deal_size', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('deal_summary', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_rep_id', sa.String(length=64), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sa.String(length=64), nullable=True),
    sa.Column('rep_claimed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('pool_status', sa.Enum('in_pool', 'assigned', 'closed', 'archived', name='pool_status', native_enum=False, create_constraint=True, length=40), server_default='in_pool', nullable=False),
    sa.Column('requested_by_rep_ids', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assigned_rep_id'], ['sales_reps.user_id'], name=op.f('fk_leads_assigned_rep_id_sales_reps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_leads_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_leads_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads'))
    )
    op.create_index(op.f('ix_leads_company_id'), 'leads', ['company_id'], unique=False)
    op.create_index(op.f('ix_leads_company_id_assigned_rep_id'), 'leads', ['company_id', 'assigned_rep_id'], unique=False)
    op.create_index(op.f('ix_leads_company_id_contact_card_id_created_at'), 'leads', ['company_id', 'contact_card_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_leads_company_id_pool_status'), 'leads', ['company_id', 'pool_status'], unique=False)
    op.create_index(op.f('ix_leads_company_id_status_contact_card_id'), 'leads', ['company_id', 'status', 'contact_card_id'], unique=False)
    op.create_table('rep_shifts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('shift_date', sa.Date(), nullable=False),
    sa.Column('clock_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_start', sa.Time(), nullable=True),
    sa.Column('scheduled_end', sa.Time(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'active', 'completed', 'skipped', name='shift_status', native_enum=False, create_constraint=True, length=40), server_default='planned', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rep_shifts_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['sales_reps.user_id'], name=op.f('fk_rep_shifts_rep_id_sales_reps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rep_shifts')),
    sa.UniqueConstraint('company_id', 'rep_id', 'shift_date', name=op.f('uq_rep_shifts_company_id_rep_id_shift_date'))
    )
    op.create_index(op.f('ix_rep_shifts_company_id'), 'rep_shifts', ['company_id'], unique=False)
    op.create_index(op.f('ix_rep_shifts_company_id_shift_date_status'), 'rep_shifts', ['company_id', 'shift_date', 'status'], unique=False)
    op.create_table('appointments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=False),
    sa.Column('assigned_rep_id', sa.String(length=64), nullable=True),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'confirmed', 'completed', 'cancelled', 'no_show', name='appointment_status', native_enum=False, create_constraint=True, length=40), server_default='scheduled', nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'won', 'lost', 'no_show', 'rescheduled', name='appointment_outcome', native_enum=False, create_constraint=True, length=40), server_default='pending', nullable=False),
    sa.Column('appointment_type', sa.Enum('in-person', 'virtual', 'phone', name='appointment_type', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('location_address', sa.String(length=500), nullable=True),
    sa.Column('geo_lat', sa.Float(), nullable=True),
    sa.Column('geo_lng', sa.Float(), nullable=True),
    sa.Column('location_lat', sa.Float(), nullable=True),
    sa.Column('location_lng', sa.Float(), nullable=True),
    sa.Column('geofence_radius_start', sa.Float(), nullable=True),
    sa.Column('geofence_radius_stop', sa.Float(), nullable=True),
    sa.Column('service_type', sa.String(length=255), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('deal_size', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('material_type', sa.String(length=255), nullable=True),
    sa.Column('financing_type', sa.String(length=255), nullable=True),
    sa.Column('assigned_by', sa.String(length=64), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rep_claimed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('route_position', sa.Integer(), nullable=True),
    sa.Column('route_group', sa.String(length=255), nullable=True),
    sa.Column('distance_from_previous_stop', sa.Float(), nullable=True),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('departure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('on_site_duration', sa.Integer(), nullable=True),
    sa.Column('gps_confidence', sa.Float(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assigned_rep_id'], ['sales_reps.user_id'], name=op.f('fk_appointments_assigned_rep_id_sales_reps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_appointments_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_appointments_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_appointments_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    op.create_index(op.f('ix_appointments_company_id'), 'appointments', ['company_id'], unique=False)
    op.create_index(op.f('ix_appointments_company_id_assigned_rep_id'), 'appointments', ['company_id', 'assigned_rep_id'], unique=False)
    op.create_index(op.f('ix_appointments_company_id_contact_card_id'), 'appointments', ['company_id', 'contact_card_id'], unique=False)
    op.create_index(op.f('ix_appointments_company_id_external_id'), 'appointments', ['company_id', 'external_id'], unique=False)
    op.create_index(op.f('ix_appointments_company_id_lead_id'), 'appointments', ['company_id', 'lead_id'], unique=False)
    op.create_index(op.f('ix_appointments_company_id_scheduled_start'), 'appointments', ['company_id', 'scheduled_start'], unique=False)
    op.create_table('calls',
    sa.Column('call_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=True),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('provider', sa.Enum('callrail', 'twilio', 'manual', 'sms', name='call_source', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('external_call_id', sa.String(length=128), nullable=True),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='message_direction', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('phone_number', sa.String(length=255), nullable=True),
    sa.Column('phone_number_raw', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('call_type', sa.Enum('sales_call', 'csr_call', name='call_type', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('status', sa.Enum('incoming', 'ringing', 'in_progress', 'answered', 'completed', 'missed', 'ai_recovery_sent', name='call_status', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recording_url', sa.String(length=2048), nullable=True),
    sa.Column('analysis_status', sa.Enum('not_started', 'in_progress', 'completed', 'failed', name='analysis_status', native_enum=False, create_constraint=True, length=40), server_default='not_started', nullable=False),
    sa.Column('analysis_error', sa.Text(), nullable=True),
    sa.Column('missed_call', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('booked', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('quote_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bought', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('price_if_bought', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('reason_for_lost_sale', sa.Text(), nullable=True),
    sa.Column('reason_not_bought_homeowner', sa.Text(), nullable=True),
    sa.Column('still_deciding', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('reason_for_deciding', sa.Text(), nullable=True),
    sa.Column('cancelled', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('reason_for_cancellation', sa.Text(), nullable=True),
    sa.Column('rescheduled', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('assigned_rep_id', sa.String(length=64), nullable=True),
    sa.Column('owner_id', sa.String(length=64), nullable=True),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('homeowner_followup_transcript', sa.Text(), nullable=True),
    sa.Column('in_person_transcript', sa.Text(), nullable=True),
    sa.Column('mobile_transcript', sa.Text(), nullable=True),
    sa.Column('text_messages', sa.Text(), nullable=True),
    sa.Column('mobile_calls_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('mobile_texts_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('transcript_discrepancies', sa.Text(), nullable=True),
    sa.Column('bland_call_id', sa.String(length=128), nullable=True),
    sa.Column('homeowner_followup_call_id', sa.String(length=128), nullable=True),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('last_call_status', sa.String(length=32), nullable=True),
    sa.Column('last_call_timestamp', sa.String(length=64), nullable=True),
    sa.Column('last_call_duration', sa.Integer(), nullable=True),
    sa.Column('geofence', sa.JSON(), nullable=True),
    sa.Column('geofence_entry_1_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('geofence_exit_1_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('geofence_entry_2_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('geofence_exit_2_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('geofence_time_1_m', sa.Integer(), nullable=True),
    sa.Column('geofence_time_2_m', sa.Integer(), nullable=True),
    sa.Column('geofence_multiple_entries', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('geofence_entry_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('recording_started_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recording_stopped_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recording_duration_s', sa.Integer(), nullable=True),
    sa.Column('time_to_start_recording_s', sa.Integer(), nullable=True),
    sa.Column('battery_at_geofence_entry', sa.Integer(), nullable=True),
    sa.Column('battery_at_recording_start', sa.Integer(), nullable=True),
    sa.Column('charging_at_geofence_entry', sa.Boolean(), nullable=True),
    sa.Column('charging_at_recording_start', sa.Boolean(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assigned_rep_id'], ['sales_reps.user_id'], name=op.f('fk_calls_assigned_rep_id_sales_reps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_calls_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_calls_contact_card_id_contact_cards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_calls_lead_id_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('call_id', name=op.f('pk_calls')),
    sa.UniqueConstraint('company_id', 'provider', 'external_call_id', name=op.f('uq_calls_company_id_provider_external_call_id'))
    )
    op.create_index(op.f('ix_calls_company_id'), 'calls', ['company_id'], unique=False)
    op.create_index(op.f('ix_calls_company_id_assigned_rep_id'), 'calls', ['company_id', 'assigned_rep_id'], unique=False)
    op.create_index(op.f('ix_calls_company_id_call_sid'), 'calls', ['company_id', 'call_sid'], unique=False)
    op.create_index(op.f('ix_calls_company_id_contact_card_id'), 'calls', ['company_id', 'contact_card_id'], unique=False)
    op.create_index(op.f('ix_calls_company_id_created_at'), 'calls', ['company_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_calls_company_id_lead_id'), 'calls', ['company_id', 'lead_id'], unique=False)
    op.create_index(op.f('ix_calls_company_id_owner_id'), 'calls', ['company_id', 'owner_id'], unique=False)
    op.create_index(op.f('ix_calls_company_id_phone_number'), 'calls', ['company_id', 'phone_number'], unique=False)
    op.create_table('lead_status_history',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('from_status', sa.String(length=40), nullable=True),
    sa.Column('to_status', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('triggered_by', sa.String(length=64), nullable=True),
    sa.Column('context', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_lead_status_history_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_status_history_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_status_history'))
    )
    op.create_index(op.f('ix_lead_status_history_company_id'), 'lead_status_history', ['company_id'], unique=False)
    op.create_index(op.f('ix_lead_status_history_company_id_lead_id_created_at'), 'lead_status_history', ['company_id', 'lead_id', 'created_at'], unique=False)
    op.create_table('event_logs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.Enum('call_received', 'call_missed', 'call_completed', 'call_transcript', 'sms_sent', 'sms_received', 'automation_nurture', 'automation_followup', 'automation_scheduled', 'automation_task_created', 'automation_escalated', 'appointment_created', 'appointment_rescheduled', 'appointment_confirmed', 'appointment_cancelled', 'rep_assigned', 'rep_unassigned', 'rep_claimed', 'rep_en_route', 'rep_arrived', 'recording_started', 'inspection_milestone', 'objection_moment', 'decision_moment', 'recording_ended', 'rep_departed', 'appointment_outcome', 'csr_action', 'manager_action', 'property_intelligence_updated', 'deal_won', 'deal_lost', name='event_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('event_metadata', sa.JSON(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('actor_role', sa.Enum('rep', 'csr', 'manager', 'ai', 'system', name='actor_role', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_event_logs_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_event_logs_call_id_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_event_logs_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_event_logs_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_event_logs_lead_id_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_logs'))
    )
    op.create_index(op.f('ix_event_logs_company_id'), 'event_logs', ['company_id'], unique=False)
    op.create_index(op.f('ix_event_logs_company_id_appointment_id'), 'event_logs', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_event_logs_company_id_contact_card_id_timestamp'), 'event_logs', ['company_id', 'contact_card_id', 'timestamp'], unique=False)
    op.create_index(op.f('ix_event_logs_company_id_lead_id'), 'event_logs', ['company_id', 'lead_id'], unique=False)
    op.create_table('key_signals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('signal_type', sa.Enum('risk', 'opportunity', 'coaching', 'operational', name='signal_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', 'critical', name='signal_severity', native_enum=False, create_constraint=True, length=40), server_default='medium', nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unique_key', sa.String(length=64), nullable=True),
    sa.Column('signal_metadata', sa.JSON(), nullable=True),
    sa.Column('acknowledged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_key_signals_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_key_signals_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_key_signals_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_key_signals_lead_id_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_signals'))
    )
    op.create_index(op.f('ix_key_signals_company_id'), 'key_signals', ['company_id'], unique=False)
    op.create_index(op.f('ix_key_signals_company_id_appointment_id'), 'key_signals', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_key_signals_company_id_contact_card_id_acknowledged'), 'key_signals', ['company_id', 'contact_card_id', 'acknowledged'], unique=False)
    op.create_index(op.f('ix_key_signals_company_id_lead_id'), 'key_signals', ['company_id', 'lead_id'], unique=False)
    op.create_index('uq_key_signals_open_unique_key', 'key_signals', ['company_id', 'unique_key'], unique=True, postgresql_where=sa.text('unique_key IS NOT NULL AND NOT acknowledged'))
    op.create_table('message_threads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('sender', sa.String(length=255), nullable=False),
    sa.Column('sender_role', sa.Enum('customer', 'csr', 'rep', 'manager', 'otto', 'shunya', name='message_sender_role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_type', sa.Enum('manual', 'automated', name='message_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='message_direction', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=True),
    sa.Column('message_sid', sa.String(length=128), nullable=True),
    sa.Column('media_urls', sa.JSON(), nullable=True),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('segments', sa.Integer(), nullable=True),
    sa.Column('delivered', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_message_threads_call_id_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_message_threads_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_message_threads_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads')),
    sa.UniqueConstraint('company_id', 'provider', 'message_sid', name=op.f('uq_message_threads_company_id_provider_message_sid'))
    )
    op.create_index(op.f('ix_message_threads_company_id'), 'message_threads', ['company_id'], unique=False)
    op.create_index(op.f('ix_message_threads_company_id_call_id'), 'message_threads', ['company_id', 'call_id'], unique=False)
    op.create_index(op.f('ix_message_threads_company_id_contact_card_id_created_at'), 'message_threads', ['company_id', 'contact_card_id', 'created_at'], unique=False)
    op.create_table('mobile_recordings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('trigger_type', sa.Enum('location', 'time', 'both', 'manual', name='trigger_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('scheduled_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location_trigger', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'processing', 'completed', 'error', name='mobile_recording_status', native_enum=False, create_constraint=True, length=40), server_default='pending', nullable=False),
    sa.Column('storage_key', sa.String(length=1024), nullable=True),
    sa.Column('raw_transcript', sa.JSON(), nullable=True),
    sa.Column('formatted_transcript', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('battery_percentage', sa.Integer(), nullable=True),
    sa.Column('is_charging', sa.Boolean(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_mobile_recordings_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_mobile_recordings_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mobile_recordings'))
    )
    op.create_index(op.f('ix_mobile_recordings_company_id'), 'mobile_recordings', ['company_id'], unique=False)
    op.create_index(op.f('ix_mobile_recordings_company_id_call_id'), 'mobile_recordings', ['company_id', 'call_id'], unique=False)
    op.create_index(op.f('ix_mobile_recordings_company_id_rep_id_created_at'), 'mobile_recordings', ['company_id', 'rep_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_mobile_recordings_company_id_status'), 'mobile_recordings', ['company_id', 'status'], unique=False)
    op.create_table('recording_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=False),
    sa.Column('shift_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.Enum('pending', 'recording', 'completed', 'failed', name='recording_session_status', native_enum=False, create_constraint=True, length=40), server_default='pending', nullable=False),
    sa.Column('mode', sa.Enum('normal', 'ghost', 'off', name='recording_mode', native_enum=False, create_constraint=True, length=40), server_default='normal', nullable=False),
    sa.Column('audio_storage_mode', sa.Enum('persistent', 'ephemeral', 'not_stored', name='audio_storage_mode', native_enum=False, create_constraint=True, length=40), server_default='persistent', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('start_lat', sa.Float(), nullable=True),
    sa.Column('start_lng', sa.Float(), nullable=True),
    sa.Column('end_lat', sa.Float(), nullable=True),
    sa.Column('end_lng', sa.Float(), nullable=True),
    sa.Column('geofence_radius_start', sa.Float(), nullable=True),
    sa.Column('geofence_radius_stop', sa.Float(), nullable=True),
    sa.Column('audio_url', sa.String(length=2048), nullable=True),
    sa.Column('audio_duration_seconds', sa.Float(), nullable=True),
    sa.Column('audio_size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('transcription_status', sa.Enum('not_started', 'in_progress', 'completed', 'failed', name='transcription_status', native_enum=False, create_constraint=True, length=40), server_default='not_started', nullable=False),
    sa.Column('analysis_status', sa.Enum('not_started', 'in_progress', 'completed', 'failed', name='analysis_status', native_enum=False, create_constraint=True, length=40), server_default='not_started', nullable=False),
    sa.Column('shunya_asr_job_id', sa.String(length=128), nullable=True),
    sa.Column('shunya_analysis_job_id', sa.String(length=128), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_recording_sessions_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_recording_sessions_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['sales_reps.user_id'], name=op.f('fk_recording_sessions_rep_id_sales_reps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shift_id'], ['rep_shifts.id'], name=op.f('fk_recording_sessions_shift_id_rep_shifts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_sessions'))
    )
    op.create_index(op.f('ix_recording_sessions_company_id'), 'recording_sessions', ['company_id'], unique=False)
    op.create_index(op.f('ix_recording_sessions_company_id_appointment_id'), 'recording_sessions', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_recording_sessions_company_id_expires_at'), 'recording_sessions', ['company_id', 'expires_at'], unique=False)
    op.create_index(op.f('ix_recording_sessions_company_id_rep_id_started_at'), 'recording_sessions', ['company_id', 'rep_id', 'started_at'], unique=False)
    op.create_index('uq_recording_sessions_active_appointment', 'recording_sessions', ['company_id', 'appointment_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'recording')"))
    op.create_index('uq_recording_sessions_active_rep', 'recording_sessions', ['company_id', 'rep_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'recording')"))
    op.create_table('rep_assignment_history',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('assigned_by', sa.String(length=64), nullable=True),
    sa.Column('assignment_type', sa.Enum('requested', 'assigned', 'declined', 'revoked', 'unassigned', 'claimed', 'unclaimed', name='assignment_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status', sa.Enum('requested', 'assigned', 'declined', 'revoked', name='assignment_status', native_enum=False, create_constraint=True, length=40), server_default='requested', nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('route_position', sa.Integer(), nullable=True),
    sa.Column('route_group', sa.String(length=255), nullable=True),
    sa.Column('distance_from_previous_stop', sa.Float(), nullable=True),
    sa.Column('rep_claimed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_rep_assignment_history_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rep_assignment_history_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_rep_assignment_history_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['sales_reps.user_id'], name=op.f('fk_rep_assignment_history_rep_id_sales_reps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rep_assignment_history'))
    )
    op.create_index(op.f('ix_rep_assignment_history_company_id'), 'rep_assignment_history', ['company_id'], unique=False)
    op.create_index(op.f('ix_rep_assignment_history_company_id_appointment_id'), 'rep_assignment_history', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_rep_assignment_history_company_id_lead_id_created_at'), 'rep_assignment_history', ['company_id', 'lead_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_rep_assignment_history_company_id_rep_id_created_at'), 'rep_assignment_history', ['company_id', 'rep_id', 'created_at'], unique=False)
    op.create_table('scheduled_calls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('call_type', sa.Enum('sales_followup', 'homeowner_followup', name='scheduled_call_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('is_completed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('bland_call_id', sa.String(length=128), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_scheduled_calls_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_scheduled_calls_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_calls'))
    )
    op.create_index(op.f('ix_scheduled_calls_company_id'), 'scheduled_calls', ['company_id'], unique=False)
    op.create_index(op.f('ix_scheduled_calls_company_id_call_id'), 'scheduled_calls', ['company_id', 'call_id'], unique=False)
    op.create_index(op.f('ix_scheduled_calls_company_id_is_completed_scheduled_time'), 'scheduled_calls', ['company_id', 'is_completed', 'scheduled_time'], unique=False)
    op.create_table('tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('contact_card_id', sa.String(length=36), nullable=True),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('assigned_to', sa.Enum('csr', 'rep', 'manager', 'ai', name='task_assignee', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('assignee_id', sa.String(length=64), nullable=True),
    sa.Column('source', sa.Enum('otto', 'shunya', 'manual', name='task_source', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('action_type', sa.Enum('call_back', 'follow_up_call', 'check_in', 'send_quote', 'send_estimate', 'send_contract', 'send_info', 'send_photos', 'send_details', 'schedule_appointment', 'schedule_visit', 'reschedule', 'confirm_appointment', 'site_visit', 'inspection', 'measurement', 'verify_insurance', 'verify_details', 'check_availability', 'confirm_address', 'prepare_contract', 'collect_documents', 'send_invoice', 'escalate', 'manager_review', 'get_approval', 'setup_financing', 'process_payment', 'send_payment_link', 'custom', name='action_type', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('unique_key', sa.String(length=64), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('open', 'completed', 'overdue', 'cancelled', name='task_status', native_enum=False, create_constraint=True, length=40), server_default='open', nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.Enum('high', 'medium', 'low', name='priority', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('task_metadata', sa.JSON(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_tasks_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_tasks_call_id_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_tasks_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_card_id'], ['contact_cards.id'], name=op.f('fk_tasks_contact_card_id_contact_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_tasks_lead_id_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    op.create_index(op.f('ix_tasks_company_id'), 'tasks', ['company_id'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_appointment_id'), 'tasks', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_assignee_id'), 'tasks', ['company_id', 'assignee_id'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_contact_card_id'), 'tasks', ['company_id', 'contact_card_id'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_lead_id'), 'tasks', ['company_id', 'lead_id'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_status_due_at'), 'tasks', ['company_id', 'status', 'due_at'], unique=False)
    op.create_index(op.f('ix_tasks_company_id_unique_key'), 'tasks', ['company_id', 'unique_key'], unique=False)
    op.create_index('uq_tasks_live_unique_key', 'tasks', ['company_id', 'unique_key'], unique=True, postgresql_where=sa.text("unique_key IS NOT NULL AND status <> 'cancelled'"))
    op.create_table('recording_analyses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('recording_session_id', sa.String(length=36), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('objections', sa.JSON(), nullable=True),
    sa.Column('objection_details', sa.JSON(), nullable=True),
    sa.Column('sentiment_score', sa.Float(), nullable=True),
    sa.Column('engagement_score', sa.Float(), nullable=True),
    sa.Column('coaching_tips', sa.JSON(), nullable=True),
    sa.Column('sop_stages_completed', sa.JSON(), nullable=True),
    sa.Column('sop_stages_missed', sa.JSON(), nullable=True),
    sa.Column('sop_compliance_score', sa.Float(), nullable=True),
    sa.Column('talk_time_ratio', sa.Float(), nullable=True),
    sa.Column('outcome', sa.Enum('won', 'lost', 'qualified', 'no_show', 'rescheduled', 'pending', name='visit_outcome', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('outcome_confidence', sa.Float(), nullable=True),
    sa.Column('lead_quality', sa.Enum('qualified', 'unqualified', 'hot', 'warm', 'cold', name='lead_quality', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('conversion_probability', sa.Float(), nullable=True),
    sa.Column('meeting_segments', sa.JSON(), nullable=True),
    sa.Column('uwc_job_id', sa.String(length=128), nullable=True),
    sa.Column('analyzed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('analysis_version', sa.String(length=32), server_default='v1', nullable=False),
    sa.Column('processing_time_ms', sa.Integer(), nullable=True),
    sa.Column('is_ghost_mode', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('normalized_payload', sa.JSON(), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_recording_analyses_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_recording_analyses_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_recording_analyses_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recording_session_id'], ['recording_sessions.id'], name=op.f('fk_recording_analyses_recording_session_id_recording_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_analyses')),
    sa.UniqueConstraint('company_id', 'recording_session_id', name=op.f('uq_recording_analyses_company_id_recording_session_id'))
    )
    op.create_index(op.f('ix_recording_analyses_company_id'), 'recording_analyses', ['company_id'], unique=False)
    op.create_index(op.f('ix_recording_analyses_company_id_analyzed_at'), 'recording_analyses', ['company_id', 'analyzed_at'], unique=False)
    op.create_index(op.f('ix_recording_analyses_company_id_appointment_id'), 'recording_analyses', ['company_id', 'appointment_id'], unique=False)
    op.create_index(op.f('ix_recording_analyses_company_id_lead_id'), 'recording_analyses', ['company_id', 'lead_id'], unique=False)
    op.create_table('recording_transcripts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('recording_session_id', sa.String(length=36), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('uwc_job_id', sa.String(length=128), nullable=True),
    sa.Column('transcript_text', sa.Text(), nullable=True),
    sa.Column('speaker_labels', sa.JSON(), nullable=True),
    sa.Column('confidence_score', sa.Float(), nullable=True),
    sa.Column('language', sa.String(length=16), server_default='en-US', nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=True),
    sa.Column('processing_time_ms', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=True),
    sa.Column('is_ghost_mode', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('transcript_restricted', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_recording_transcripts_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_recording_transcripts_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_session_id'], ['recording_sessions.id'], name=op.f('fk_recording_transcripts_recording_session_id_recording_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_transcripts')),
    sa.UniqueConstraint('company_id', 'recording_session_id', name=op.f('uq_recording_transcripts_company_id_recording_session_id')),
    sa.UniqueConstraint('company_id', 'uwc_job_id', name=op.f('uq_recording_transcripts_company_id_uwc_job_id'))
    )
    op.create_index(op.f('ix_recording_transcripts_company_id'), 'recording_transcripts', ['company_id'], unique=False)
    op.create_index(op.f('ix_recording_transcripts_company_id_appointment_id'), 'recording_transcripts', ['company_id', 'appointment_id'], unique=False)

    for table in TENANT_TABLES:
        for statement in rls_statements(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f('ix_recording_transcripts_company_id_appointment_id'), table_name='recording_transcripts')
    op.drop_index(op.f('ix_recording_transcripts_company_id'), table_name='recording_transcripts')
    op.drop_table('recording_transcripts')
    op.drop_index(op.f('ix_recording_analyses_company_id_lead_id'), table_name='recording_analyses')
    op.drop_index(op.f('ix_recording_analyses_company_id_appointment_id'), table_name='recording_analyses')
    op.drop_index(op.f('ix_recording_analyses_company_id_analyzed_at'), table_name='recording_analyses')
    op.drop_index(op.f('ix_recording_analyses_company_id'), table_name='recording_analyses')
    op.drop_table('recording_analyses')
    op.drop_index('uq_tasks_live_unique_key', table_name='tasks', postgresql_where=sa.text("unique_key IS NOT NULL AND status <> 'cancelled'"))
    op.drop_index(op.f('ix_tasks_company_id_unique_key'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id_status_due_at'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id_lead_id'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id_contact_card_id'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id_assignee_id'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id_appointment_id'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_company_id'), table_name='tasks')
    op.drop_table('tasks')
    op.drop_index(op.f('ix_scheduled_calls_company_id_is_completed_scheduled_time'), table_name='scheduled_calls')
    op.drop_index(op.f('ix_scheduled_calls_company_id_call_id'), table_name='scheduled_calls')
    op.drop_index(op.f('ix_scheduled_calls_company_id'), table_name='scheduled_calls')
    op.drop_table('scheduled_calls')
    op.drop_index(op.f('ix_rep_assignment_history_company_id_rep_id_created_at'), table_name='rep_assignment_history')
    op.drop_index(op.f('ix_rep_assignment_history_company_id_lead_id_created_at'), table_name='rep_assignment_history')
    op.drop_index(op.f('ix_rep_assignment_history_company_id_appointment_id'), table_name='rep_assignment_history')
    op.drop_index(op.f('ix_rep_assignment_history_company_id'), table_name='rep_assignment_history')
    op.drop_table('rep_assignment_history')
    op.drop_index('uq_recording_sessions_active_rep', table_name='recording_sessions', postgresql_where=sa.text("status IN ('pending', 'recording')"))
    op.drop_index('uq_recording_sessions_active_appointment', table_name='recording_sessions', postgresql_where=sa.text("status IN ('pending', 'recording')"))
    op.drop_index(op.f('ix_recording_sessions_company_id_rep_id_started_at'), table_name='recording_sessions')
    op.drop_index(op.f('ix_recording_sessions_company_id_expires_at'), table_name='recording_sessions')
    op.drop_index(op.f('ix_recording_sessions_company_id_appointment_id'), table_name='recording_sessions')
    op.drop_index(op.f('ix_recording_sessions_company_id'), table_name='recording_sessions')
    op.drop_table('recording_sessions')
    op.drop_index(op.f('ix_mobile_recordings_company_id_status'), table_name='mobile_recordings')
    op.drop_index(op.f('ix_mobile_recordings_company_id_rep_id_created_at'), table_name='mobile_recordings')
    op.drop_index(op.f('ix_mobile_recordings_company_id_call_id'), table_name='mobile_recordings')
    op.drop_index(op.f('ix_mobile_recordings_company_id'), table_name='mobile_recordings')
    op.drop_table('mobile_recordings')
    op.drop_index(op.f('ix_message_threads_company_id_contact_card_id_created_at'), table_name='message_threads')
    op.drop_index(op.f('ix_message_threads_company_id_call_id'), table_name='message_threads')
    op.drop_index(op.f('ix_message_threads_company_id'), table_name='message_threads')
    op.drop_table('message_threads')
    op.drop_index('uq_key_signals_open_unique_key', table_name='key_signals', postgresql_where=sa.text('unique_key IS NOT NULL AND NOT acknowledged'))
    op.drop_index(op.f('ix_key_signals_company_id_lead_id'), table_name='key_signals')
    op.drop_index(op.f('ix_key_signals_company_id_contact_card_id_acknowledged'), table_name='key_signals')
    op.drop_index(op.f('ix_key_signals_company_id_appointment_id'), table_name='key_signals')
    op.drop_index(op.f('ix_key_signals_company_id'), table_name='key_signals')
    op.drop_table('key_signals')
    op.drop_index(op.f('ix_event_logs_company_id_lead_id'), table_name='event_logs')
    op.drop_index(op.f('ix_event_logs_company_id_contact_card_id_timestamp'), table_name='event_logs')
    op.drop_index(op.f('ix_event_logs_company_id_appointment_id'), table_name='event_logs')
    op.drop_index(op.f('ix_event_logs_company_id'), table_name='event_logs')
    op.drop_table('event_logs')
    op.drop_index(op.f('ix_lead_status_history_company_id_lead_id_created_at'), table_name='lead_status_history')
    op.drop_index(op.f('ix_lead_status_history_company_id'), table_name='lead_status_history')
    op.drop_table('lead_status_history')
    op.drop_index(op.f('ix_calls_company_id_phone_number'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_owner_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_lead_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_created_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_contact_card_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_call_sid'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id_assigned_rep_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_company_id'), table_name='calls')
    op.drop_table('calls')
    op.drop_index(op.f('ix_appointments_company_id_scheduled_start'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_company_id_lead_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_company_id_external_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_company_id_contact_card_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_company_id_assigned_rep_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_company_id'), table_name='appointments')
    op.drop_table('appointments')
    op.drop_index(op.f('ix_rep_shifts_company_id_shift_date_status'), table_name='rep_shifts')
    op.drop_index(op.f('ix_rep_shifts_company_id'), table_name='rep_shifts')
    op.drop_table('rep_shifts')
    op.drop_index(op.f('ix_leads_company_id_status_contact_card_id'), table_name='leads')
    op.drop_index(op.f('ix_leads_company_id_pool_status'), table_name='leads')
    op.drop_index(op.f('ix_leads_company_id_contact_card_id_created_at'), table_name='leads')
    op.drop_index(op.f('ix_leads_company_id_assigned_rep_id'), table_name='leads')
    op.drop_index(op.f('ix_leads_company_id'), table_name='leads')
    op.drop_table('leads')
    op.drop_index(op.f('ix_contact_cards_company_id_secondary_phone'), table_name='contact_cards')
    op.drop_index(op.f('ix_contact_cards_company_id_email'), table_name='contact_cards')
    op.drop_index(op.f('ix_contact_cards_company_id'), table_name='contact_cards')
    op.drop_table('contact_cards')
