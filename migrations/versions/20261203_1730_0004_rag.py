"""rag: documents, chunks (pgvector + full text), queries, telemetry, ai usage events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from otto.tenancy import rls_statements

TENANT_TABLES = ("rag_documents", "rag_chunks", "rag_queries", "rag_telemetry", "ai_usage_events")

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ROLE_ACCESS = sa.Enum('all', 'csr', 'sales_rep', 'manager', name='role_access', native_enum=False, create_constraint=True, length=40)
PROVIDER = sa.Enum('local', 'openai', 'shunya', 'heuristic', name='analysis_provider', native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table('rag_documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_url', sa.String(length=1024), nullable=False),
    sa.Column('storage_key', sa.String(length=1024), nullable=False),
    sa.Column('file_size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.Enum('sop', 'script', 'objection_handler', 'product_info', 'training_material', 'policy', 'faq', 'reference', name='rag_document_type', native_enum=False, create_constraint=True, length=40), server_default='sop', nullable=False),
    sa.Column('role_access', ROLE_ACCESS, server_default='all', nullable=False),
    sa.Column('indexing_status', sa.Enum('pending', 'processing', 'indexed', 'failed', 'deleted', name='indexing_status', native_enum=False, create_constraint=True, length=40), server_default='pending', nullable=False),
    sa.Column('indexed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chunk_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('indexing_progress', sa.Integer(), server_default='0', nullable=False),
    sa.Column('embedding_model', sa.String(length=128), nullable=True),
    sa.Column('embedding_dim', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('retry_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('uwc_job_id', sa.String(length=128), nullable=True),
    sa.Column('deleted', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=64), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rag_documents_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rag_documents'))
    )
    op.create_index(op.f('ix_rag_documents_company_id'), 'rag_documents', ['company_id'], unique=False)
    op.create_index('ix_rag_documents_company_id_created_at', 'rag_documents', ['company_id', 'created_at'], unique=False)
    op.create_index('uq_rag_documents_company_id_content_sha256', 'rag_documents', ['company_id', 'content_sha256'], unique=True, postgresql_where=sa.text("NOT deleted AND indexing_status <> 'failed'"))

    op.create_table('rag_chunks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('source_type', sa.Enum('document', 'call_transcript', name='chunk_source', native_enum=False, create_constraint=True, length=40), server_default='document', nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('chunk_index', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.String(length=40), nullable=True),
    sa.Column('role_access', ROLE_ACCESS, nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('section', sa.String(length=500), nullable=True),
    sa.Column('start_seconds', sa.Float(), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('content_tsv', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english', content)", persisted=True), nullable=False),
    sa.Column('embedding_model', sa.String(length=128), nullable=False),
    sa.Column('embedding_dim', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], name=op.f('fk_rag_chunks_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rag_chunks_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['rag_documents.id'], name=op.f('fk_rag_chunks_document_id_rag_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rag_chunks'))
    )
    # pgvector's column type, written as DDL so the migration needs no extension package.
    op.execute("ALTER TABLE rag_chunks ADD COLUMN embedding vector(384) NOT NULL")
    op.create_index(op.f('ix_rag_chunks_company_id'), 'rag_chunks', ['company_id'], unique=False)
    op.create_index('ix_rag_chunks_company_id_call_id', 'rag_chunks', ['company_id', 'call_id'], unique=False)
    op.create_index('ix_rag_chunks_company_id_document_id', 'rag_chunks', ['company_id', 'document_id'], unique=False)
    op.create_index('ix_rag_chunks_content_tsv', 'rag_chunks', ['content_tsv'], unique=False, postgresql_using='gin')
    op.create_index('ix_rag_chunks_embedding_hnsw', 'rag_chunks', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 64}, postgresql_ops={'embedding': 'vector_cosine_ops'})

    op.create_table('rag_queries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('user_role', sa.Enum('manager', 'csr', 'sales_rep', name='user_role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('query_text', sa.Text(), nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('citations', sa.JSON(), nullable=True),
    sa.Column('confidence_score', sa.Float(), nullable=True),
    sa.Column('result_count', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('uwc_request_id', sa.String(length=128), nullable=True),
    sa.Column('query_context', sa.JSON(), nullable=True),
    sa.Column('provider', PROVIDER, nullable=True),
    sa.Column('user_rating', sa.Integer(), nullable=True),
    sa.Column('user_feedback', sa.Text(), nullable=True),
    sa.Column('feedback_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rag_queries_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rag_queries'))
    )
    op.create_index(op.f('ix_rag_queries_company_id'), 'rag_queries', ['company_id'], unique=False)
    op.create_index('ix_rag_queries_company_id_created_at', 'rag_queries', ['company_id', 'created_at'], unique=False)

    op.create_table('rag_telemetry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('query_id', sa.String(length=36), nullable=False),
    sa.Column('citations_count', sa.Integer(), nullable=False),
    sa.Column('avg_citation_score', sa.Float(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('tokens_in', sa.Integer(), nullable=False),
    sa.Column('tokens_out', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('groundedness_score', sa.Float(), nullable=True),
    sa.Column('degraded_mode', sa.Boolean(), nullable=False),
    sa.Column('fallback_used', sa.Boolean(), nullable=False),
    sa.Column('has_citations', sa.Boolean(), nullable=False),
    sa.Column('is_grounded', sa.Boolean(), nullable=False),
    sa.Column('is_high_quality', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rag_telemetry_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['query_id'], ['rag_queries.id'], name=op.f('fk_rag_telemetry_query_id_rag_queries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rag_telemetry'))
    )
    op.create_index(op.f('ix_rag_telemetry_company_id'), 'rag_telemetry', ['company_id'], unique=False)
    op.create_index(op.f('ix_rag_telemetry_query_id'), 'rag_telemetry', ['query_id'], unique=False)

    op.create_table('ai_usage_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('feature', sa.String(length=32), nullable=False),
    sa.Column('provider', PROVIDER, nullable=False),
    sa.Column('model', sa.String(length=128), nullable=True),
    sa.Column('key_fingerprint', sa.String(length=16), nullable=True),
    sa.Column('tokens_in', sa.Integer(), nullable=False),
    sa.Column('tokens_out', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=10, scale=6), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('rate_limited', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_ai_usage_events_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_usage_events'))
    )
    op.create_index(op.f('ix_ai_usage_events_company_id'), 'ai_usage_events', ['company_id'], unique=False)
    op.create_index('ix_ai_usage_events_company_id_created_at', 'ai_usage_events', ['company_id', 'created_at'], unique=False)

    for table in TENANT_TABLES:
        for statement in rls_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.drop_table(table)
