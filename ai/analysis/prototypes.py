"""Labelled prototype phrases and nearest-prototype matching by embedding similarity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

NONE_LABEL = "none"

# How customers voice each objection category, in words the rules below may not catch.
# "none" holds ordinary customer talk, so a sentence must sit nearer an objection than that.
OBJECTION_PHRASES: dict[str, tuple[str, ...]] = {
    "Price/Budget": (
        "That is a lot of money for us.",
        "It costs more than I wanted to spend.",
        "We simply don't have that kind of money right now.",
        "The number is too high.",
        "Is there any way to bring the cost down?",
        "I was hoping it would be cheaper.",
        "Money is tight for us at the moment.",
        "That's a big investment for our family.",
        "We were expecting something closer to half that.",
        "I don't know how we'd pay for all of this.",
        "That's more than my car cost.",
        "We just can't justify spending that much.",
        "Can you do any better on the price?",
    ),
    "Timing": (
        "We're going to wait a while before doing anything.",
        "Now is not a good time for us.",
        "Maybe in a few months.",
        "Let me think it over and get back to you.",
        "We're not in a hurry to do this.",
        "Call me again after the holidays.",
        "We won't be deciding today.",
        "Reach out to me again in a couple of months.",
        "We've got too much going on right now.",
        "After the wedding we can talk about it.",
        "I'd like to wait and see how it does this winter.",
        "It's not a priority for us this year.",
    ),
    "Competitor": (
        "I'm getting a few other bids first.",
        "Another contractor quoted us less.",
        "We already have someone else lined up.",
        "I want to compare your offer with other companies.",
        "A different company came out last week.",
        "The other contractor's bid came in lower.",
        "We're talking to a couple of outfits before deciding.",
        "Our usual guy already gave us a price.",
    ),
    "Trust/Credibility": (
        "How do I know you'll actually show up?",
        "I've been burned by contractors before.",
        "I want to check your reviews first.",
        "Are you guys licensed and insured?",
        "This sounds too good to be true.",
        "I don't really know your company.",
        "I've heard mixed things about your company.",
        "How long have you been doing this kind of work?",
        "Can you show me proof of insurance?",
        "I'm nervous about letting strangers do this work.",
        "Do you have people I could call who used you?",
    ),
    "Need/Fit": (
        "I don't think we need all that.",
        "The old one still runs okay.",
        "We only wanted a small repair, not a whole new system.",
        "I'm not convinced it's necessary.",
        "We're not interested in that option.",
        "It seems like overkill for our house.",
        "Our current setup gets the job done.",
        "I'd rather keep what we have for now.",
        "We don't use that room enough to bother.",
        "That upgrade isn't really a priority for us.",
    ),
    "Decision Authority": (
        "I have to run it by my wife first.",
        "My husband makes these decisions.",
        "I need to check with my partner.",
        "The landlord has to approve it.",
        "Our HOA needs to sign off on this.",
        "I can't decide this on my own.",
        "My father owns the house, so it's up to him.",
        "We make big decisions like this as a couple.",
        "Let me get my wife's opinion before we commit.",
    ),
    "Technical": (
        "How does that system actually work?",
        "What's the efficiency rating on that unit?",
        "Will it be loud when it runs?",
        "What exactly does the warranty cover?",
        "Will it fit in the space we have?",
        "How long will the equipment last?",
        "Does this unit work with our existing ductwork?",
        "Can the roof support the weight of the panels?",
        "What happens when it gets really cold outside?",
        "Is the new system compatible with my thermostat?",
    ),
    "Contract Terms": (
        "What are the financing terms?",
        "How much do I have to put down?",
        "What's the interest rate on the loan?",
        "Can I get out of the contract later?",
        "I don't want to sign anything today.",
        "How long is the payment plan?",
        "Are there fees for paying the loan off early?",
        "I don't want a long commitment.",
        "What does the agreement say if something goes wrong?",
        "Is the deposit refundable?",
    ),
    "DIY Alternative": (
        "I could probably fix it myself.",
        "My brother-in-law does this kind of work.",
        "We'll get a handyman to patch it.",
        "I watched some videos on how to do it.",
        "A friend of mine can install it for less.",
        "My dad used to do plumbing, he can take a look.",
        "I'll just buy the parts and put it in myself.",
        "Someone in the family is a contractor.",
    ),
    NONE_LABEL: (
        "Okay, that sounds good.",
        "Yes, that time works for me.",
        "Thank you so much for your help.",
        "The water is leaking under the sink.",
        "It stopped cooling yesterday afternoon.",
        "My address is on the account.",
        "Sure, go ahead.",
        "I understand, that makes sense.",
        "We have two cats.",
        "I work from home most days.",
        "Can you send someone out tomorrow?",
        "That's great news.",
        "I like the idea of it being quieter.",
        "How long does the install take?",
        "We'll go with the first one.",
        "Let's do the mid-range package.",
        "That option looks good to us.",
        "When can your crew start?",
        "The unit is in the hallway closet.",
    ),
}

SENTIMENT_PHRASES: dict[str, tuple[str, ...]] = {
    "positive": (
        "That sounds great, thank you.",
        "I really appreciate your help.",
        "Perfect, I'm happy with that.",
        "I like that a lot.",
        "You've been very helpful.",
    ),
    "negative": (
        "I'm really frustrated with this.",
        "This is not what I was told.",
        "I'm not happy about the price.",
        "That's disappointing.",
        "I'm worried this will be a problem.",
    ),
    NONE_LABEL: (
        "The unit is in the closet.",
        "We have a two story house.",
        "It was installed about ten years ago.",
        "My number is the one on file.",
    ),
}


class PrototypeBank:
    """Embedded prototype phrases per label; scores sentences by their nearest prototype."""

    def __init__(self, embedder: Any, phrases: Mapping[str, Sequence[str]]):
        self.labels = list(phrases)
        self._label_of_row = np.array(
            [number for number, label in enumerate(self.labels) for _ in phrases[label]]
        )
        self._vectors = embedder.embed([text for label in self.labels for text in phrases[label]])

    def label_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Rows of sentences × labels: cosine to the closest prototype of each label."""
        similarity = vectors @ self._vectors.T
        scores = np.full((len(vectors), len(self.labels)), -1.0, dtype=np.float32)
        for number in range(len(self.labels)):
            columns = similarity[:, self._label_of_row == number]
            if len(vectors):
                scores[:, number] = columns.max(axis=1)
        return scores

    def nearest(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """For each sentence, the label of its closest prototype and that cosine."""
        scores = self.label_scores(vectors)
        return [(self.labels[int(row.argmax())], float(row.max())) for row in scores]


def prototype_bank(embedder: Any, phrases: Mapping[str, Sequence[str]]) -> PrototypeBank:
    """The bank for a phrase set, embedded once per embedder and kept for later calls."""
    frozen = tuple((label, tuple(texts)) for label, texts in phrases.items())
    return _cached_bank(embedder, frozen)


@lru_cache(maxsize=32)
def _cached_bank(embedder: Any, frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> PrototypeBank:
    return PrototypeBank(embedder, dict(frozen))
