"""Customer sentiment 0–1 from cue words and prototype similarity, with the sentences behind it."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, is_customer_side
from ai.analysis.prototypes import NONE_LABEL, SENTIMENT_PHRASES, prototype_bank

# A sentence without cue words takes the polarity of its nearest prototype from this cosine up.
SIMILARITY_THRESHOLD = 0.5
EVIDENCE_LIMIT = 5

_POSITIVE = re.compile(
    r"\b(great|perfect|love|awesome|excellent|appreciate|thank(s| you)|happy|glad|sounds good"
    r"|makes sense|wonderful|fantastic|helpful|i like)\b",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(expensive|worried|concerned|frustrat\w*|annoy\w*|disappoint\w*|upset|angry|terrible"
    r"|awful|horrible|don'?t like|hate|not happy|ridiculous|disconnected|on hold for)\b",
    re.IGNORECASE,
)


def score_sentiment(call: CallText) -> tuple[float, list[dict[str, Any]]]:
    """(sentiment_score, evidence): 0.5 is neutral; evidence spans carry their polarity."""
    sentences = [s for s in call.sentences if is_customer_side(s.speaker) and s.word_count >= 2]
    if not sentences:
        return 0.5, []

    bank = prototype_bank(call.embedder, SENTIMENT_PHRASES)
    nearest = bank.nearest(call.vectors[[sentence.index for sentence in sentences]])

    polarities = []
    for sentence, (label, similarity) in zip(sentences, nearest, strict=True):
        cue_polarity = len(_POSITIVE.findall(sentence.text)) - len(_NEGATIVE.findall(sentence.text))
        if cue_polarity:
            polarity = 1.0 if cue_polarity > 0 else -1.0
        elif label != NONE_LABEL and similarity >= SIMILARITY_THRESHOLD:
            polarity = 0.5 if label == "positive" else -0.5
        else:
            continue
        polarities.append((polarity, sentence))

    if not polarities:
        return 0.5, []
    mean = sum(polarity for polarity, _ in polarities) / len(polarities)
    strongest = sorted(polarities, key=lambda item: -abs(item[0]))[:EVIDENCE_LIMIT]
    evidence = [
        {**call.span(sentence), "polarity": "positive" if polarity > 0 else "negative"}
        for polarity, sentence in sorted(strongest, key=lambda item: item[1].index)
    ]
    return round((mean + 1) / 2, 3), evidence
