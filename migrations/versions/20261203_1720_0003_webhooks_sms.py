"""webhooks and sms: the opt-out store, provider-id lookups for webhook routing

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 17:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

from otto.tenancy import rls_statements

TENANT_TABLES = ("sms_opt_outs",)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_opt_outs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('opted_out', 'opted_in', name='opt_out_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('keyword', sa.String(length=32), nullable=True),
    sa.Column('source', sa.Enum('inbound_keyword', 'provider_opt_out_type', 'provider_error_21610', 'manual', name='opt_out_source', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_message_sid', sa.String(length=128), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sms_opt_outs_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_opt_outs')),
    sa.UniqueConstraint('company_id', 'phone', name=op.f('uq_sms_opt_outs_company_id_phone'))
    )
    op.create_index(op.f('ix_sms_opt_outs_company_id'), 'sms_opt_outs', ['company_id'], unique=False)
    for table in TENANT_TABLES:
        for statement in rls_statements(table):
            op.execute(statement)

    # Twilio callbacks name a call or message, not a company: indexed lookups by provider id.
    op.create_index('ix_calls_call_sid', 'calls', ['call_sid'], unique=False)
    op.create_index('ix_message_threads_message_sid', 'message_threads', ['message_sid'], unique=False)
    op.execute("""
        CREATE FUNCTION otto_call_company(p_call_sid text) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT company_id FROM calls WHERE call_sid = p_call_sid
              ORDER BY created_at LIMIT 1 $$""")
    op.execute("""
        CREATE FUNCTION otto_message_company(p_message_sid text) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT company_id FROM message_threads WHERE message_sid = p_message_sid
              ORDER BY created_at LIMIT 1 $$""")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS otto_message_company(text)")
    op.execute("DROP FUNCTION IF EXISTS otto_call_company(text)")
    op.drop_index('ix_message_threads_message_sid', table_name='message_threads')
    op.drop_index('ix_calls_call_sid', table_name='calls')
    op.drop_index(op.f('ix_sms_opt_outs_company_id'), table_name='sms_opt_outs')
    op.drop_table('sms_opt_outs')
