"""Hybrid retrieval without a database: rank fusion, the lexical ranking, passage de-duplication."""

import re
from collections import Counter

import numpy as np
import pytest
from llama_index.core.retrievers import BaseRetriever

from ai.embeddings import get_local_embedder
from ai.retrieval import Hit, fuse, lexical_ranking, reciprocal_rank_fusion
from ai.retriever import HybridRetriever, retrieved_chunks


def hit(chunk_id, text="", similarity=0.5, **term_counts):
    return Hit(chunk_id=chunk_id, text=text or f"text of {chunk_id}", similarity=similarity,
               term_counts=term_counts, length=sum(term_counts.values()) or 10)


def test_reciprocal_rank_fusion_adds_one_over_k_plus_rank():
    scores = reciprocal_rank_fusion(["a", "b"], ["b", "c"], k=60)

    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert max(scores, key=scores.get) == "b"


def test_a_rare_question_term_outweighs_a_common_one():
    pool = [hit("common", cancel=3), hit("rare", midnight=1)]
    pool += [hit(f"filler-{n}", cancel=1) for n in range(8)]

    ranked = lexical_ranking(pool)

    assert ranked[0].chunk_id == "rare"


def test_hits_without_a_question_term_are_not_ranked_lexically():
    ranked = lexical_ranking([hit("a", cancel=1), hit("b"), hit("a", cancel=1)])

    assert [h.chunk_id for h in ranked] == ["a"]


def test_the_same_passage_in_two_renderings_takes_one_place():
    passage = "The buyer may cancel this transaction at any time before midnight of the third day."
    vector_hits = [hit("md", passage, 0.8), hit("pdf", passage.replace(".", " ."), 0.79),
                   hit("other", "Refunds are due within ten business days of the notice.", 0.6)]

    fused = fuse(vector_hits, [], limit=2)

    assert [item.hit.chunk_id for item in fused] == ["md", "other"]


def test_fusion_rewards_chunks_both_rankings_found():
    vector_hits = [hit("v1"), hit("both"), hit("v3")]
    lexical_hits = [hit("l1"), hit("both")]

    fused = fuse(vector_hits, lexical_hits, limit=3)

    assert fused[0].hit.chunk_id == "both"
    assert (fused[0].vector_rank, fused[0].lexical_rank) == (2, 2)


class MemorySearch:
    """A ChunkSearch over a few texts in memory, counting words as the lexical terms."""

    def __init__(self, texts, embedder):
        self.texts = texts
        self.vectors = embedder.embed(texts)

    def _hit(self, index, vector, question):
        words = Counter(re.findall(r"[a-z]+", self.texts[index].lower()))
        asked = set(re.findall(r"[a-z]+", question.lower()))
        return Hit(chunk_id=f"chunk-{index}", text=self.texts[index],
                   similarity=float(self.vectors[index] @ vector),
                   metadata={"document_id": "doc-1", "filename": "rules.md"},
                   term_counts={word: words[word] for word in asked if word in words},
                   length=sum(words.values()))

    def vector_search(self, question, vector, limit):
        order = np.argsort(-(self.vectors @ vector))[:limit]
        return [self._hit(int(index), vector, question) for index in order]

    def text_search(self, question, vector, limit):
        hits = [self._hit(index, vector, question) for index in range(len(self.texts))]
        return [found for found in hits if found.term_counts][:limit]


def test_the_retriever_is_a_llama_index_retriever_scoring_by_similarity():
    embedder = get_local_embedder()
    texts = ["A do-not-call request must be honored for 5 years.",
             "Insulation R-values must be shown on the receipt.",
             "Abandoned calls may not exceed three percent of answered calls."]
    retriever = HybridRetriever(MemorySearch(texts, embedder), embedder, limit=2)

    nodes = retriever.retrieve("How long must we honor a do-not-call request?")
    chunks = retrieved_chunks(nodes)

    assert isinstance(retriever, BaseRetriever)
    assert len(nodes) == 2
    assert chunks[0].text == texts[0]
    assert chunks[0].filename == "rules.md" and chunks[0].document_id == "doc-1"
    question_vector = embedder.embed(["How long must we honor a do-not-call request?"])[0]
    assert chunks[0].score == pytest.approx(float(embedder.embed([texts[0]])[0] @ question_vector),
                                            abs=1e-5)
    assert set(retriever.timings) == {"embed_ms", "search_ms", "fuse_ms"}
