"""Hybrid retrieval: vector and full-text rankings fused by reciprocal rank, as a llama-index retriever."""

from __future__ import annotations

import re
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ai.answer import RetrievedChunk
from ai.embeddings import Embedder

# Reciprocal rank fusion: a chunk scores sum(1 / (RRF_K + rank)) over the rankings holding it.
RRF_K = 60
# How deep each ranking goes before fusion.
CANDIDATES_PER_RANKING = 50
# Two chunks are one passage when this share of the shorter one's word triples is in the other:
# the same text uploaded as PDF and Markdown is chunked at slightly different places.
SAME_PASSAGE_CONTAINMENT = 0.6
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Hit:
    """A chunk returned by one ranking; `similarity` is its cosine similarity to the question."""

    chunk_id: Hashable
    text: str
    similarity: float
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FusedHit:
    hit: Hit
    fusion_score: float
    vector_rank: int | None
    text_rank: int | None


class ChunkSearch(Protocol):
    """The two rankings over one caller's chunks (company, role and embedding model fixed)."""

    def vector_search(self, vector: np.ndarray, limit: int) -> list[Hit]: ...

    def text_search(self, question: str, vector: np.ndarray, limit: int) -> list[Hit]: ...


def reciprocal_rank_fusion(
    *rankings: Sequence[Hashable], k: int = RRF_K
) -> dict[Hashable, float]:
    """Fused score per id: the sum of 1 / (k + rank) over the rankings (rank from 1)."""
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


def fuse(
    vector_hits: Sequence[Hit], text_hits: Sequence[Hit], limit: int, *, k: int = RRF_K
) -> list[FusedHit]:
    """The best `limit` distinct passages of both rankings, best first.

    A chunk that repeats a better-ranked one (the same passage in another rendering of the
    document) gives its place to the next passage.
    """
    vector_ids = [hit.chunk_id for hit in vector_hits]
    text_ids = [hit.chunk_id for hit in text_hits]
    scores = reciprocal_rank_fusion(vector_ids, text_ids, k=k)
    hits = {hit.chunk_id: hit for hit in [*text_hits, *vector_hits]}
    vector_rank = {chunk_id: rank for rank, chunk_id in enumerate(vector_ids, start=1)}
    text_rank = {chunk_id: rank for rank, chunk_id in enumerate(text_ids, start=1)}

    ordered = sorted(scores, key=lambda chunk_id: (-scores[chunk_id], -hits[chunk_id].similarity))
    kept: list[FusedHit] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for chunk_id in ordered:
        hit = hits[chunk_id]
        shingles = word_shingles(hit.text)
        if any(same_passage(shingles, other) for other in kept_shingles):
            continue
        kept.append(FusedHit(hit, scores[chunk_id], vector_rank.get(chunk_id), text_rank.get(chunk_id)))
        kept_shingles.append(shingles)
        if len(kept) == limit:
            break
    return kept


def word_shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def same_passage(first: set[tuple[str, ...]], second: set[tuple[str, ...]]) -> bool:
    if not first or not second:
        return False
    shared = len(first & second)
    return shared >= SAME_PASSAGE_CONTAINMENT * min(len(first), len(second))


class HybridRetriever(BaseRetriever):
    """llama-index retriever over a ChunkSearch: embed, rank twice, fuse.

    Each node's score is the chunk's cosine similarity to the question (what abstention and
    citations need); the order is the fused order. `timings` holds the last call's phases in ms.
    """

    def __init__(
        self,
        search: ChunkSearch,
        embedder: Embedder,
        limit: int = 10,
        candidates: int = CANDIDATES_PER_RANKING,
    ):
        super().__init__()
        self.search = search
        self.embedder = embedder
        self.limit = limit
        self.candidates = max(candidates, limit)
        self.timings: dict[str, float] = {}

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        started = time.perf_counter()
        if query_bundle.embedding is not None:
            vector = np.asarray(query_bundle.embedding, dtype=np.float32)
        else:
            vector = self.embedder.embed([query_bundle.query_str])[0]
        embedded = time.perf_counter()

        vector_hits = self.search.vector_search(vector, self.candidates)
        text_hits = self.search.text_search(query_bundle.query_str, vector, self.candidates)
        searched = time.perf_counter()

        fused = fuse(vector_hits, text_hits, self.limit)
        self.timings = {
            "embed_ms": (embedded - started) * 1000,
            "search_ms": (searched - embedded) * 1000,
            "fuse_ms": (time.perf_counter() - searched) * 1000,
        }
        return [_node(item) for item in fused]


def retrieved_chunks(nodes: Sequence[NodeWithScore]) -> list[RetrievedChunk]:
    """Nodes from HybridRetriever as the answer module takes them, order kept."""
    return [
        RetrievedChunk(
            chunk_id=node.node.node_id,
            document_id=node.node.metadata.get("document_id"),
            filename=node.node.metadata.get("filename") or "",
            text=node.node.get_content(),
            score=float(node.score or 0.0),
            call_id=node.node.metadata.get("call_id"),
            start_seconds=node.node.metadata.get("start_seconds"),
        )
        for node in nodes
    ]


def _node(item: FusedHit) -> NodeWithScore:
    metadata = {
        **item.hit.metadata,
        "fusion_score": item.fusion_score,
        "vector_rank": item.vector_rank,
        "text_rank": item.text_rank,
    }
    node = TextNode(id_=str(item.hit.chunk_id), text=item.hit.text, metadata=metadata)
    return NodeWithScore(node=node, score=item.hit.similarity)
