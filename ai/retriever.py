"""The llama-index retriever over Otto's hybrid search (imported only where a question is asked)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ai.answer import RetrievedChunk
from ai.embeddings import Embedder
from ai.retrieval import CANDIDATES_PER_RANKING, ChunkSearch, FusedHit, fuse, lexical_ranking


class HybridRetriever(BaseRetriever):
    """llama-index retriever over a ChunkSearch: embed, search twice, rank lexically, fuse.

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

        question = query_bundle.query_str
        vector_hits = self.search.vector_search(question, vector, self.candidates)
        text_hits = self.search.text_search(question, vector, self.candidates)
        searched = time.perf_counter()

        lexical = lexical_ranking([*vector_hits, *text_hits])
        fused = fuse(vector_hits, lexical, self.limit)
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
        "lexical_rank": item.lexical_rank,
    }
    node = TextNode(id_=str(item.hit.chunk_id), text=item.hit.text, metadata=metadata)
    return NodeWithScore(node=node, score=item.hit.similarity)
