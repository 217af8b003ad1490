"""Call transcript analysis into Otto's normalized schema: offline rules and embeddings, or OpenAI.

`analyze_transcript` runs offline; `analyze_transcript_openai` asks an OpenAI-compatible server
and falls back to it. Both return a dict that passes `validate_analysis`, and every verdict in it
quotes the transcript (`iter_spans` lists those quotes).
"""

from ai.analysis.evidence import iter_spans, quote_in_turn
from ai.analysis.local import analyze_transcript
from ai.analysis.objections import analyze_objections
from ai.analysis.openai_analysis import analyze_transcript_openai, complete_model_analysis
from ai.analysis.schema import (
    MODEL_SECTIONS,
    AnalysisSchemaError,
    analysis_schema,
    validate_analysis,
)

__all__ = [
    "MODEL_SECTIONS",
    "AnalysisSchemaError",
    "analysis_schema",
    "analyze_objections",
    "analyze_transcript",
    "analyze_transcript_openai",
    "complete_model_analysis",
    "iter_spans",
    "quote_in_turn",
    "validate_analysis",
]
