"""Hybrid retrieval's two searches as SQL over rag_chunks, filtered by company, role and model."""

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ai.retrieval import Hit
from otto.rag.models import EMBEDDING_DIMENSIONS

# Which documents each role may read (domain §1.6); transcripts are not searched yet (their
# visibility follows the call, not role_access).
READABLE_ROLE_ACCESS = {
    "manager": ("all", "csr", "sales_rep", "manager"),
    "csr": ("all", "csr"),
    "sales_rep": ("all", "sales_rep"),
}
# Candidates the HNSW scan keeps per step; iterative scanning goes on until the filtered
# LIMIT is filled, so this trades recall for speed, not row count.
HNSW_EF_SEARCH = 100

_CHUNK_FILTER = """
    c.company_id = :company_id
    AND c.source_type = 'document'
    AND c.role_access IN :role_access
    AND c.embedding_model = :model
"""
_DOCUMENT_JOIN = """
    JOIN rag_documents d
      ON d.id = c.document_id AND d.company_id = :company_id AND NOT d.deleted
"""
_COLUMNS = """
    c.id, c.content, c.document_id, c.page, c.section, c.chunk_index, d.filename,
    d.document_type,
    (SELECT coalesce(jsonb_object_agg(t.lexeme, coalesce(array_length(t.positions, 1), 1)), '{}')
       FROM unnest(c.content_tsv) t WHERE t.lexeme = ANY(terms.list)) AS term_counts,
    (SELECT coalesce(sum(coalesce(array_length(t.positions, 1), 1)), 0)
       FROM unnest(c.content_tsv) t) AS term_total
"""
# The question's stemmed terms, stop words dropped, as the lexical ranking counts them.
_TERMS = "terms AS (SELECT tsvector_to_array(to_tsvector('english', :question)) AS list)"


class CompanyChunkSearch:
    """ChunkSearch over one company's chunks that a role may read, of one embedding model."""

    iterative_scan = "relaxed_order"

    def __init__(self, session: Session, company_id: str, role: str, model_id: str,
                 document_types: list[str] | None = None):
        self.session = session
        self.params = {
            "company_id": company_id,
            "role_access": READABLE_ROLE_ACCESS[role],
            "model": model_id,
        }
        self.type_filter = ""
        if document_types:
            self.type_filter = "AND c.document_type IN :document_types"
            self.params["document_types"] = tuple(document_types)

    def vector_search(self, question: str, vector: np.ndarray, limit: int) -> list[Hit]:
        """Nearest chunks by cosine distance through the HNSW index."""
        # relaxed_order lets the index scan continue past ef_search until `limit` rows pass the
        # company filter; the outer ORDER BY puts the slightly unordered rows back in order.
        self.session.execute(text(f"SET LOCAL hnsw.iterative_scan = {self.iterative_scan}"))
        self.session.execute(text(f"SET LOCAL hnsw.ef_search = {HNSW_EF_SEARCH}"))
        statement = text(f"""
            WITH {_TERMS}, nearest AS MATERIALIZED (
                SELECT c.id, c.embedding <=> :vector AS distance
                FROM rag_chunks c
                WHERE {_CHUNK_FILTER} {self.type_filter}
                ORDER BY c.embedding <=> :vector
                LIMIT :limit
            )
            SELECT {_COLUMNS}, nearest.distance
            FROM terms, nearest
            JOIN rag_chunks c ON c.id = nearest.id AND c.company_id = :company_id
            {_DOCUMENT_JOIN}
            ORDER BY nearest.distance
        """)
        return self._hits(statement, vector, limit, question=question)

    def text_search(self, question: str, vector: np.ndarray, limit: int) -> list[Hit]:
        """Chunks sharing words with the question, ranked by ts_rank_cd.

        websearch_to_tsquery joins the words with AND, which a whole question rarely meets in
        one chunk; its terms are OR-ed instead and the ranking rewards chunks holding many.
        """
        statement = text(f"""
            WITH {_TERMS}, query AS (
                SELECT nullif(replace(websearch_to_tsquery('english', :question)::text,
                                      ' & ', ' | '), '')::tsquery AS tsq
            )
            SELECT {_COLUMNS}, c.embedding <=> :vector AS distance
            FROM terms, query, rag_chunks c
            {_DOCUMENT_JOIN}
            WHERE {_CHUNK_FILTER} {self.type_filter} AND c.content_tsv @@ query.tsq
            ORDER BY ts_rank_cd(c.content_tsv, query.tsq, 1) DESC, c.id
            LIMIT :limit
        """)
        return self._hits(statement, vector, limit, question=question)

    def has_other_model_documents(self) -> bool:
        """Whether documents indexed with another embedding model wait for `otto reindex`."""
        return bool(self.session.execute(text("""
            SELECT EXISTS (SELECT 1 FROM rag_documents
                           WHERE company_id = :company_id AND NOT deleted
                             AND indexing_status = 'indexed' AND embedding_model <> :model)
        """), {"company_id": self.params["company_id"], "model": self.params["model"]}).scalar())

    def _hits(self, statement, vector: np.ndarray, limit: int, **params) -> list[Hit]:
        expanding = ["role_access", *(["document_types"] if self.type_filter else [])]
        statement = statement.bindparams(
            bindparam("vector", type_=Vector(EMBEDDING_DIMENSIONS)),
            *(bindparam(name, expanding=True) for name in expanding),
        )
        rows = self.session.execute(
            statement, {**self.params, **params, "vector": np.asarray(vector), "limit": limit})
        return [
            Hit(
                chunk_id=row.id,
                text=row.content,
                similarity=1.0 - float(row.distance),
                metadata={
                    "document_id": row.document_id, "filename": row.filename, "page": row.page,
                    "section": row.section, "chunk_index": row.chunk_index,
                    "document_type": row.document_type,
                },
                term_counts=row.term_counts,
                length=int(row.term_total),
            )
            for row in rows
        ]
