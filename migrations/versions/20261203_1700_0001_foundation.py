"""foundation: pgvector, the app role's grants, companies, users, audit, webhooks, idempotency

Revision ID: 0001
Revises: 
Create Date: 2026-12-03 16:58:05.345260
"""

import sqlalchemy as sa
from alembic import op

from otto.tenancy import app_role_grants, rls_statements

TENANT_TABLES = ("audit_logs", "idempotency_keys", "services", "users", "sales_managers", "sales_reps")

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    for statement in app_role_grants():
        op.execute(statement)

    op.create_table('companies',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('phone_number', sa.String(length=20), nullable=True),
    sa.Column('primary_tracking_number', sa.String(length=20), nullable=True),
    sa.Column('callrail_api_key', sa.Text(), nullable=True),
    sa.Column('callrail_account_id', sa.String(length=64), nullable=True),
    sa.Column('callrail_webhook_signing_key', sa.Text(), nullable=True),
    sa.Column('twilio_account_sid', sa.Text(), nullable=True),
    sa.Column('twilio_auth_token', sa.Text(), nullable=True),
    sa.Column('call_provider', sa.Enum('callrail', 'twilio', name='call_provider', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('domain_verified', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='America/New_York', nullable=False),
    sa.Column('onboarding_step', sa.String(length=64), server_default='company_basics', nullable=False),
    sa.Column('onboarding_completed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('onboarding_completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subscription_status', sa.Enum('trialing', 'active', 'past_due', 'canceled', name='subscription_status', native_enum=False, create_constraint=True, length=40), server_default='trialing', nullable=False),
    sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_seats', sa.Integer(), server_default='5', nullable=False),
    sa.Column('require_recording_consent', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('require_clock_in', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('allow_ghost_mode', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('ghost_mode_retention', sa.Enum('aggregates_only', 'minimal', 'none', name='ghost_mode_retention', native_enum=False, create_constraint=True, length=40), server_default='aggregates_only', nullable=False),
    sa.Column('ghost_mode_storage', sa.Enum('not_stored', 'ephemeral', name='ghost_mode_storage', native_enum=False, create_constraint=True, length=40), server_default='not_stored', nullable=False),
    sa.Column('ghost_mode_ephemeral_ttl_minutes', sa.Integer(), server_default='60', nullable=False),
    sa.Column('default_shift_start', sa.Time(), nullable=True),
    sa.Column('default_shift_end', sa.Time(), nullable=True),
    sa.Column('default_geofence_radius_start', sa.Float(), server_default='200', nullable=False),
    sa.Column('default_geofence_radius_stop', sa.Float(), server_default='500', nullable=False),
    sa.Column('sms_help_text', sa.Text(), nullable=True),
    sa.Column('data_deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies'))
    )
    op.create_index(op.f('ix_companies_callrail_account_id'), 'companies', ['callrail_account_id'], unique=False)
    op.create_index(op.f('ix_companies_name'), 'companies', ['name'], unique=False)
    op.create_index(op.f('ix_companies_phone_number'), 'companies', ['phone_number'], unique=False)
    op.create_index(op.f('ix_companies_primary_tracking_number'), 'companies', ['primary_tracking_number'], unique=False)
    op.create_table('webhook_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('provider', sa.Enum('callrail', 'twilio', 'clerk', 'shunya', 'uwc', name='webhook_provider', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('event_key', sa.String(length=512), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('raw_body', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum('received', 'processing', 'processed', 'failed', 'ignored', 'unmatched', name='webhook_event_status', native_enum=False, create_constraint=True, length=16), server_default='received', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('provider', 'event_key', name=op.f('uq_webhook_events_provider_event_key'))
    )
    op.create_index(op.f('ix_webhook_events_company_id'), 'webhook_events', ['company_id'], unique=False)
    op.create_table('audit_logs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('context_data', sa.JSON(), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('success', sa.Enum('success', 'failure', 'partial', name='audit_result', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_audit_logs_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_logs'))
    )
    op.create_index(op.f('ix_audit_logs_company_id'), 'audit_logs', ['company_id'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('operation', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'completed', 'failed', name='idempotency_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.JSON(), nullable=True),
    sa.Column('first_processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_idempotency_keys_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('company_id', 'operation', 'key', name=op.f('uq_idempotency_keys_company_id_operation_key'))
    )
    op.create_index(op.f('ix_idempotency_keys_company_id'), 'idempotency_keys', ['company_id'], unique=False)
    op.create_table('services',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('base_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_services_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('company_id', 'name', name=op.f('uq_services_company_id_name'))
    )
    op.create_index(op.f('ix_services_company_id'), 'services', ['company_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('phone_number', sa.String(length=20), nullable=True),
    sa.Column('role', sa.Enum('manager', 'csr', 'sales_rep', name='user_role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('territory', sa.String(length=255), nullable=True),
    sa.Column('preferences_json', sa.JSON(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_users_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('company_id', 'email', name=op.f('uq_users_company_id_email')),
    sa.UniqueConstraint('company_id', 'username', name=op.f('uq_users_company_id_username'))
    )
    op.create_index(op.f('ix_users_company_id'), 'users', ['company_id'], unique=False)
    op.create_table('sales_managers',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('expo_push_token', sa.String(length=255), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sales_managers_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sales_managers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_sales_managers'))
    )
    op.create_index(op.f('ix_sales_managers_company_id'), 'sales_managers', ['company_id'], unique=False)
    op.create_table('sales_reps',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('manager_id', sa.String(length=64), nullable=True),
    sa.Column('active_geofences', sa.JSON(), nullable=True),
    sa.Column('expo_push_token', sa.String(length=255), nullable=True),
    sa.Column('recording_mode', sa.Enum('normal', 'ghost', 'off', name='recording_mode', native_enum=False, create_constraint=True, length=40), server_default='normal', nullable=False),
    sa.Column('allow_location_tracking', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('allow_recording', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('default_shift_start', sa.Time(), nullable=True),
    sa.Column('default_shift_end', sa.Time(), nullable=True),
    sa.Column('shift_config_source', sa.Enum('tenant_default', 'custom', name='shift_config_source', native_enum=False, create_constraint=True, length=40), server_default='tenant_default', nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sales_reps_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['sales_managers.user_id'], name=op.f('fk_sales_reps_manager_id_sales_managers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sales_reps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_sales_reps'))
    )
    op.create_index(op.f('ix_sales_reps_company_id'), 'sales_reps', ['company_id'], unique=False)
    for table in TENANT_TABLES:
        for statement in rls_statements(table):
            op.execute(statement)

    # Clerk user.* events carry no organization: this returns the owning company id and nothing else.
    op.execute("""
        CREATE FUNCTION otto_user_company(p_user_id text) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT company_id FROM users WHERE id = p_user_id $$""")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS otto_user_company(text)")
    op.drop_index(op.f('ix_sales_reps_company_id'), table_name='sales_reps')
    op.drop_table('sales_reps')
    op.drop_index(op.f('ix_sales_managers_company_id'), table_name='sales_managers')
    op.drop_table('sales_managers')
    op.drop_index(op.f('ix_users_company_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_services_company_id'), table_name='services')
    op.drop_table('services')
    op.drop_index(op.f('ix_idempotency_keys_company_id'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_audit_logs_company_id'), table_name='audit_logs')
    op.drop_table('audit_logs')
    op.drop_index(op.f('ix_webhook_events_company_id'), table_name='webhook_events')
    op.drop_table('webhook_events')
    op.drop_index(op.f('ix_companies_primary_tracking_number'), table_name='companies')
    op.drop_index(op.f('ix_companies_phone_number'), table_name='companies')
    op.drop_index(op.f('ix_companies_name'), table_name='companies')
    op.drop_index(op.f('ix_companies_callrail_account_id'), table_name='companies')
    op.drop_table('companies')
    op.execute("DROP EXTENSION IF EXISTS vector")
