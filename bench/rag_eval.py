"""Ask Otto on the fixture documents: retrieval recall, MRR, citation validity and latency.

Uploads every fixture document into a fresh company through the HTTP API, indexes them with
the real worker, then asks each question of tests/fixtures/qa/qa_pairs.jsonl. A question is
found at rank r when the r-th retrieved chunk comes from its document (or another rendering
of it) and holds its quote.

Run: .venv/bin/python -m bench.rag_eval [--keep] [--show-answers]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from bench.support import ROOT, bench_app, drop_company, fresh_company, percentiles

FIXTURES = ROOT / "tests" / "fixtures"
DEPTH = 10


def comparable(text: str) -> str:
    """Lower-case letters and digits only, so Markdown marks and line breaks do not matter."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def load_pairs() -> list[dict]:
    lines = (FIXTURES / "qa" / "qa_pairs.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def ingest(app, client, headers) -> dict[str, str]:
    """Upload and index every fixture document; returns document id -> filename."""
    from jobs.worker import make_worker

    documents = {}
    for path in sorted((FIXTURES / "documents").iterdir()):
        response = client.post(
            "/api/v1/rag/documents/upload", headers=headers, content_type="multipart/form-data",
            data={"file": (path.open("rb"), path.name), "document_type": "reference"})
        assert response.status_code == 202, response.json
        documents[response.json["data"]["document_id"]] = path.name

    started = time.perf_counter()
    make_worker(app, ["ingest"], app.extensions["otto"].redis).work(burst=True)
    elapsed = time.perf_counter() - started

    chunk_total = 0
    for document_id in documents:
        data = client.get(f"/api/v1/rag/documents/{document_id}", headers=headers).json["data"]
        assert data["indexing_status"] == "indexed", data
        chunk_total += data["chunk_count"]
    print(f"indexed {len(documents)} documents into {chunk_total} chunks in {elapsed:.1f} s")
    return documents


def first_hit(pair: dict, chunks) -> int | None:
    """1-based rank of the first chunk answering the pair, or None."""
    renderings = {Path(name).name for name in [pair["document"], *pair.get("also_in", [])]}
    quote = comparable(pair["quote"])
    for rank, chunk in enumerate(chunks, start=1):
        if chunk.filename in renderings and quote in comparable(chunk.text):
            return rank
    return None


def citations_valid(answer, retrieved) -> tuple[int, int]:
    """(valid, total): a citation is valid when it names a retrieved chunk and quotes it."""
    by_id = {chunk.chunk_id: chunk for chunk in retrieved}
    valid = 0
    for citation in answer.citations:
        chunk = by_id.get(citation.chunk_id)
        if chunk is not None and chunk.document_id == citation.document_id \
                and comparable(citation.snippet.rstrip("…")) in comparable(chunk.text):
            valid += 1
    return valid, len(answer.citations)


def evaluate(app, company_id: str, pairs: list[dict], show_answers: bool = False) -> dict:
    from ai.embeddings import embedder_from_env
    from ai.retrieval import CANDIDATES_PER_RANKING, lexical_ranking
    from ai.retriever import HybridRetriever, retrieved_chunks
    from otto.db import db
    from otto.rag.ask import answer_question
    from otto.rag.search import CompanyChunkSearch
    from otto.tenancy import tenant_scope

    embedder = embedder_from_env()
    ranks = {"vector only": [], "full text (ts_rank_cd)": [], "BM25 over candidates": [],
             "hybrid (fused)": []}
    retrieval_ms, answer_ms, valid, cited, abstained = [], [], 0, 0, 0

    with app.app_context(), tenant_scope(company_id):
        search = CompanyChunkSearch(db.session, company_id, "manager", embedder.model_id)
        retriever = HybridRetriever(search, embedder, limit=DEPTH)
        retriever.retrieve("warm-up question about cancellation")
        for pair in pairs:
            started = time.perf_counter()
            retrieved = retrieved_chunks(retriever.retrieve(pair["question"]))
            retrieved_at = time.perf_counter()
            answer = answer_question(pair["question"], retrieved)
            answered_at = time.perf_counter()
            retrieval_ms.append((retrieved_at - started) * 1000)
            answer_ms.append((answered_at - retrieved_at) * 1000)

            # Each ranking alone, to show what fusion adds.
            vector = embedder.embed([pair["question"]])[0]
            vector_hits = search.vector_search(pair["question"], vector, CANDIDATES_PER_RANKING)
            text_hits = search.text_search(pair["question"], vector, CANDIDATES_PER_RANKING)
            lexical = lexical_ranking([*vector_hits, *text_hits])
            for name, hits in (("vector only", vector_hits), ("full text (ts_rank_cd)", text_hits),
                               ("BM25 over candidates", lexical)):
                ranks[name].append(first_hit(pair, [_as_chunk(hit) for hit in hits[:DEPTH]]))
            ranks["hybrid (fused)"].append(first_hit(pair, retrieved))

            good, total = citations_valid(answer, retrieved)
            valid, cited = valid + good, cited + total
            abstained += answer.abstained
            rank = ranks["hybrid (fused)"][-1]
            if rank is None or rank > 5:
                print(f"  {pair['id']}: quote not in the top 5 (rank {rank or f'> {DEPTH}'})")
            if show_answers:
                print(f"  {pair['id']} {pair['question']}\n    -> {answer.text[:400]}")
        db.session.rollback()

    return {"ranks": ranks, "retrieval_ms": retrieval_ms, "answer_ms": answer_ms,
            "valid": valid, "cited": cited, "abstained": abstained}


def _as_chunk(hit):
    from ai.answer import RetrievedChunk

    return RetrievedChunk(chunk_id=hit.chunk_id, document_id=hit.metadata.get("document_id"),
                          filename=hit.metadata.get("filename") or "", text=hit.text,
                          score=hit.similarity)


def api_round(client, headers, pairs: list[dict]) -> list[float]:
    """Every question through POST /api/v1/rag/query; wall times in ms."""
    times = []
    for pair in pairs:
        started = time.perf_counter()
        response = client.post("/api/v1/rag/query", headers=headers,
                               json={"query": pair["question"]})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.json
    return times


def report(result: dict, api_ms: list[float], questions: int) -> None:
    for name, ranks in result["ranks"].items():
        recall_1 = sum(1 for rank in ranks if rank == 1) / len(ranks)
        recall_5 = sum(1 for rank in ranks if rank is not None and rank <= 5) / len(ranks)
        mrr = sum(1 / rank for rank in ranks if rank is not None) / len(ranks)
        print(f"{name:>24}: recall@1 {recall_1:.2f}  recall@5 {recall_5:.2f}  "
              f"MRR@{DEPTH} {mrr:.3f}")
    validity = result["valid"] / result["cited"] if result["cited"] else 1.0
    print(f"citation validity: {validity:.0%} ({result['valid']}/{result['cited']} citations); "
          f"{result['abstained']}/{questions} questions abstained")
    print(f"retrieval latency (embed + 2 rankings + fusion): {percentiles(result['retrieval_ms'])}")
    print(f"answer latency (extractive): {percentiles(result['answer_ms'])}")
    print(f"POST /api/v1/rag/query end to end: {percentiles(api_ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the company and its documents")
    parser.add_argument("--show-answers", action="store_true", help="print every answer")
    options = parser.parse_args()

    from otto.auth.tokens import mint_local_token

    app, _ = bench_app()
    company_id, user_id = fresh_company(app, "eval")
    headers = {"Authorization": "Bearer " + mint_local_token(
        app.extensions["otto"].settings.jwt_secret, user_id=user_id, company_id=company_id,
        role="manager", ttl_seconds=3600)}
    client = app.test_client()
    pairs = load_pairs()
    try:
        ingest(app, client, headers)
        result = evaluate(app, company_id, pairs, options.show_answers)
        api_ms = api_round(client, headers, pairs)
        report(result, api_ms, len(pairs))
    finally:
        if not options.keep:
            drop_company(app, company_id)


if __name__ == "__main__":
    main()
