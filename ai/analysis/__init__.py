"""Call transcript analysis into Otto's normalized schema: offline rules and embeddings, or OpenAI."""

from ai.analysis.objections import analyze_objections

__all__ = ["analyze_objections"]
