"""Tenant-filtered vector search at scale: 200k chunks across 100 companies.

Loads synthetic 384-d vectors with COPY (companies of very different sizes, all drawing on one
shared pool of topics, so most of a query's global neighbours belong to other companies), then
runs the production vector search (CompanyChunkSearch, as the app role under row-level
security) and prints top-10 latency percentiles, recall against exact search, and how many
queries came back with fewer than 10 rows, with and without pgvector's iterative index scan.

Run: .venv/bin/python -m bench.rag_scale [--chunks 200000] [--companies 100] [--keep]
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from bench.support import bench_app, percentiles

DIMENSIONS = 384
TOPICS = 500
TOPICS_PER_COMPANY = 40
NOISE = 0.045  # per dimension: same-topic vectors end up about 0.6 cosine apart, as MiniLM's do
QUERIES_PER_COMPANY = 5
TOP_K = 10
MODEL = "local:all-MiniLM-L6-v2-int8"
PREFIX = "org_scale_"


@dataclass
class Tenant:
    vectors: np.ndarray
    queries: np.ndarray
    company_id: str = field(default_factory=lambda: f"{PREFIX}{uuid.uuid4().hex[:10]}")
    document_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def company_sizes(total: int, companies: int, rng) -> list[int]:
    """Zipf-like sizes summing to `total`: a few large tenants, a long tail of small ones."""
    weights = 1.0 / np.arange(1, companies + 1) ** 0.9
    sizes = np.maximum(1, np.floor(weights / weights.sum() * total)).astype(int)
    sizes[0] += total - sizes.sum()
    rng.shuffle(sizes)
    return sizes.tolist()


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def synthesize(total: int, companies: int, seed: int = 7) -> list[Tenant]:
    """Each company's vectors and its questions, drawn around its own share of the topics."""
    rng = np.random.default_rng(seed)
    topics = unit(rng.standard_normal((TOPICS, DIMENSIONS)))
    tenants = []
    for size in company_sizes(total, companies, rng):
        own_topics = topics[rng.choice(TOPICS, TOPICS_PER_COMPANY, replace=False)]
        picks = own_topics[rng.integers(0, TOPICS_PER_COMPANY, size)]
        asked = own_topics[rng.integers(0, TOPICS_PER_COMPANY, QUERIES_PER_COMPANY)]
        tenants.append(Tenant(
            vectors=unit(picks + NOISE * rng.standard_normal((size, DIMENSIONS))),
            queries=unit(asked + NOISE * rng.standard_normal((QUERIES_PER_COMPANY, DIMENSIONS)))))
    return tenants


def load(owner_url: str, tenants: list[Tenant]) -> None:
    """COPY companies, one document each and every chunk; rebuild the HNSW index after."""
    import psycopg
    from pgvector.psycopg import register_vector

    started = time.perf_counter()
    with psycopg.connect(owner_url.replace("+psycopg", "")) as conn:
        register_vector(conn)
        index_ddl = conn.execute("SELECT indexdef FROM pg_indexes "
                                 "WHERE indexname = 'ix_rag_chunks_embedding_hnsw'").fetchone()[0]
        # Building the graph once over all rows is far faster than inserting into it row by row.
        conn.execute("DROP INDEX ix_rag_chunks_embedding_hnsw")
        with conn.cursor() as cursor:
            with cursor.copy("COPY companies (id, name) FROM STDIN") as copy:
                for tenant in tenants:
                    copy.write_row((tenant.company_id, "Scale test"))
            with cursor.copy("COPY rag_documents (id, company_id, uploaded_by, filename, file_url, "
                             "storage_key, file_size_bytes, content_type, content_sha256, "
                             "indexing_status, chunk_count, embedding_model, embedding_dim) "
                             "FROM STDIN") as copy:
                for tenant in tenants:
                    copy.write_row((tenant.document_id, tenant.company_id, "user_scale",
                                    "synthetic.md", "synthetic", "synthetic", 0, "text/markdown",
                                    uuid.uuid4().hex * 2, "indexed", len(tenant.vectors), MODEL,
                                    DIMENSIONS))
            with cursor.copy("COPY rag_chunks (id, company_id, document_id, chunk_index, content, "
                             "content_hash, role_access, embedding, embedding_model, "
                             "embedding_dim) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["text", "text", "text", "int4", "text", "text", "text", "vector",
                                "text", "int4"])
                for tenant in tenants:
                    for ordinal, vector in enumerate(tenant.vectors):
                        copy.write_row((str(uuid.uuid4()), tenant.company_id, tenant.document_id,
                                        ordinal, f"synthetic chunk {ordinal}", "0" * 64, "all",
                                        vector, MODEL, DIMENSIONS))
        copied = time.perf_counter()
        print(f"copied {sum(len(t.vectors) for t in tenants)} chunks in {copied - started:.0f} s; "
              "building the HNSW index…", flush=True)
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        conn.execute(index_ddl)
        conn.execute("ANALYZE rag_chunks")
        conn.commit()
        print(f"HNSW index built in {time.perf_counter() - copied:.0f} s", flush=True)


def measure(app, tenants: list[Tenant], iterative: bool) -> dict:
    """Every query through the production search: latency, recall@10, short answers, plans."""
    from otto.db import db
    from otto.rag.search import CompanyChunkSearch
    from otto.tenancy import tenant_scope

    class NonIterativeSearch(CompanyChunkSearch):
        iterative_scan = "off"

    searcher = CompanyChunkSearch if iterative else NonIterativeSearch
    latencies, recalls, short, index_plans = [], [], 0, 0
    for tenant in tenants:
        expected = min(TOP_K, len(tenant.vectors))
        with app.app_context(), tenant_scope(tenant.company_id):
            search = searcher(db.session, tenant.company_id, "manager", MODEL)
            for query in tenant.queries:
                started = time.perf_counter()
                hits = search.vector_search("", query, TOP_K)
                latencies.append((time.perf_counter() - started) * 1000)

                exact = set(np.argsort(-(tenant.vectors @ query))[:TOP_K].tolist())
                found = {int(hit.metadata["chunk_index"]) for hit in hits}
                recalls.append(len(found & exact) / expected)
                short += len(hits) < expected
            index_plans += uses_hnsw(db.session, tenant, query)
            db.session.rollback()
    return {"latencies": latencies, "recall": float(np.mean(recalls)), "short": short,
            "queries": len(latencies), "index_plans": index_plans}


def uses_hnsw(session, tenant: Tenant, query: np.ndarray) -> bool:
    """Whether the planner takes the HNSW index for this company (else: company rows, sorted)."""
    from pgvector.sqlalchemy import Vector
    from sqlalchemy import bindparam, text

    plan = session.execute(text(
        "EXPLAIN SELECT id FROM rag_chunks WHERE company_id = :company "
        "AND source_type = 'document' AND role_access IN ('all', 'csr', 'sales_rep', 'manager') "
        "AND embedding_model = :model "
        "ORDER BY embedding <=> :vector LIMIT 50"
    ).bindparams(bindparam("vector", type_=Vector(DIMENSIONS))),
        {"company": tenant.company_id, "model": MODEL, "vector": query}).scalars().all()
    return any("hnsw" in line for line in plan)


def drop_scale_companies(app) -> None:
    from sqlalchemy import text

    from otto.db import db

    with app.app_context():
        db.session.execute(text("DELETE FROM companies WHERE id LIKE :prefix"),
                           {"prefix": f"{PREFIX}%"})
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic companies")
    options = parser.parse_args()

    app, owner_url = bench_app()
    drop_scale_companies(app)
    tenants = synthesize(options.chunks, options.companies)
    sizes = sorted(len(tenant.vectors) for tenant in tenants)
    print(f"{options.companies} companies, {options.chunks} chunks; chunks per company: "
          f"min {sizes[0]}, median {sizes[len(sizes) // 2]}, max {sizes[-1]}", flush=True)
    try:
        load(owner_url, tenants)
        measure(app, tenants[:10], iterative=True)  # warm caches and connections
        for iterative in (True, False):
            result = measure(app, tenants, iterative)
            label = "iterative scan (production)" if iterative else "without iterative scan"
            print(f"{label}: top-{TOP_K} {percentiles(result['latencies'])}; "
                  f"recall@{TOP_K} vs exact {result['recall']:.3f}; {result['short']}/"
                  f"{result['queries']} queries returned fewer than {TOP_K} rows", flush=True)
        print(f"planner: HNSW index scan for {result['index_plans']} of {len(tenants)} companies, "
              "exact search over the company's rows for the rest")
    finally:
        if not options.keep:
            drop_scale_companies(app)


if __name__ == "__main__":
    main()
