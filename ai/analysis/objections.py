"""Customer objections: cue rules, then nearest-prototype similarity, then handling verdicts."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ai.analysis.evidence import CallText, Sentence, is_company_side, is_customer_side
from ai.analysis.prototypes import NONE_LABEL, OBJECTION_PHRASES, prototype_bank
from ai.analysis.taxonomy import CATEGORY_IDS
from ai.transcript import Transcript

# A sentence counts as an objection by similarity alone when its nearest prototype is an
# objection at this cosine or more, and beats the nearest ordinary-talk prototype by the margin.
SIMILARITY_THRESHOLD = 0.45
SIMILARITY_MARGIN = 0.10
MIN_WORDS_FOR_SIMILARITY = 3


def _patterns(*expressions: str) -> list[re.Pattern[str]]:
    return [re.compile(expression, re.IGNORECASE) for expression in expressions]


CUES: dict[str, list[re.Pattern[str]]] = {
    "Price/Budget": _patterns(
        r"\b(expensive|pricey|pricy|costly|overpriced)\b",
        r"\bafford\b",
        r"\bbudget(ed)?\b",
        r"\b(price|cost|quote|estimate|number|bid|total)s? (is|are|was|were|seems?|sounds?|looks?)"
        r"( \w+){0,3} (high|higher|steep|much|more|a lot)\b",
        r"\btoo much\b",
        r"\bcheaper\b(?! (unit|one|option|model|system|version))|\bless expensive\b",
        r"\blower (price|cost)\b|\bcan'?t swing\b",
        r"\bdiscounts?\b|\bbetter (price|deal)\b|\b(come|bring (it|that|the price)) down\b",
        r"\bmore than (we|i) (expected|wanted|thought|planned|hoped)\b",
        r"\ba lot of money\b|\bthat kind of money\b|\bout of (our|my) (price )?range\b",
        r"\bnot in (the|our) (cards|budget)\b|\b(twice|double|triple) (as much|what)\b",
    ),
    "Timing": _patterns(
        r"\b(wait|hold off)\b[^.?!]{0,25}\b(until|till|for|a (few|couple)|another|next|later)\b",
        r"\bhold off\b|\bput (it|this|that) off\b|\bpostpone\b",
        r"\bnot (right )?now\b|\b(not|isn'?t) (a |the )?(good|great|right) time\b|\bnot ready\b",
        r"\b(next|this coming|until) (year|spring|summer|fall|winter)\b",
        r"\bthink (it|this|that) over\b|\bthink about it\b|\bsleep on it\b",
        r"\bwon'?t (do|sign|decide)( \w+)? today\b|\bnot today\b",
        r"\bget back to you\b|\bno rush\b|\bnot in a (rush|hurry)\b|\bcircle back\b",
        r"\b(until|till|after) (the |my |our )?(bonus|tax refund|holidays|new year|things)\b",
        r"\bnot (making|make) (a|any) decisions?\b",
    ),
    "Competitor": _patterns(
        r"\b(collecting|getting|gathering|comparing)( \w+){0,2} (quotes|bids|estimates)\b",
        r"\b(other|another|second|third|two|three|four|couple( of)?|few|several|multiple|more)"
        r" (quotes?|bids?|estimates?"
        r"|compan(y|ies)|contractors?|roofers?|installers?|guys)\b",
        r"\bshop(ping)? around\b|\bcompetitors?\b",
        r"\balready (talked|spoke|spoken|met|been talking) (to|with)\b",
        r"\b(someone|somebody) else\b",
        r"\b(beat|match) (that|their|his|the|this) (price|quote|bid)\b",
        r"\b(they|he|she)('d| would| will|'ll| can) do it for (less|cheaper)\b",
    ),
    "Trust/Credibility": _patterns(
        r"\breviews\b|\b(online|google|yelp|bad|good) review\b",
        r"\blicen[sc]ed\b|\binsured\b|\bbonded\b",
        r"\bscams?\b|\bscammers?\b|\brip(ped)?[- ]?off\b|\btoo good to be true\b",
        r"\bhow (do|can|would) (i|we) know\b",
        r"\b(got |been )(burned|burnt|screwed)\b|\bbad experience\b|\b(wary|skeptical|leery)\b",
        r"\bhow long have you( \w+){0,2} been (in business|around|doing this)\b",
        r"\b(can (i|we)|don'?t) trust\b|\blegit(imate)?\b|\breferences\b|\bbetter business bureau\b",
    ),
    "Need/Fit": _patterns(
        r"\b(don'?t|do not|doesn'?t|does not) (really |even )?need\b",
        r"\bnot (sure|convinced)\b[^.?!]{0,30}\b(need|necessary|worth)\b",
        r"\b(isn'?t|not|un)necessary\b|\bnot worth (it|the)\b|\boverkill\b",
        r"\b(works|working|runs|running|heats|cools)( \w+){0,3} (fine|okay|ok)\b",
        r"\bdon'?t see (why|the point|the need)\b|\b(does|do) the (job|trick)\b",
        r"\b(don'?t|do not) want to (replace|upgrade|change)\b",
        r"\b(not|n'?t)( \w+){0,3} interested\b",
        r"\b(just|only) (want|need|wanted|needed)( \w+){0,3} (repair|repaired|fix|fixed|patch"
        r"|patched)\b",
    ),
    "Decision Authority": _patterns(
        r"\b(talk|speak|check|discuss|consult|run (it|this|that) by|go over)\b[^.?!]{0,50}"
        r"\b(wife|husband|spouse|partner|landlord|hoa|board|parents|boss|family)\b",
        r"\b(hoa|condo board|homeowners'? association|co-?op board)\b",
        r"\b(wife|husband|spouse|partner|landlord|hoa)\b[^.?!]{0,40}"
        r"\b(decides?|approve|sign off|has to|needs to|handles)\b",
        r"\b(talk|speak) (to|with) (her|him)\b",
        r"\b(wife|husband|spouse|partner) to (see|look at|review|read|approve|weigh in)\b",
        r"\bnot (my|the) (decision|call)\b|\bnot up to me\b|\b(on|by) my own\b",
        r"\b(i'?m|i am) (just )?(a|the) (renter|tenant)\b|\bneed (approval|permission|sign-?off)\b",
    ),
    "Technical": _patterns(
        r"\bhow (does|do|will|would|can) (a|an|the|it|this|that|they|these|those)\b[^.?!]{0,40}"
        r"\b(work|keep up|handle|perform|hold up)\b",
        r"\b(will|would|can|does) (the|this|that|it|a|an)( new)? \w+ (handle|support|power|run"
        r"|fit|work with)\b",
        r"\bspecs?\b|\bspecifications?\b|\b(seer|btu|tonnage|r-?value|decibels?)\b",
        r"\befficiency rating\b|\b(noise|noisy|loud)\b|\bwarranty\b[^.!]*\?",
        r"\b(will|would|does|can) (it|this|that|the unit|the system) (fit|leak|last|handle|hold up)\b",
        r"\bhow long (will|would|does) (it|this|that|the \w+) last\b|\bkeep up with\b",
    ),
    "Contract Terms": _patterns(
        r"\bcontracts?\b|\bdeposit\b|\bdown ?payment\b|\bput( \w+){0,2} down\b",
        r"\bcancel(l?ation)? (fee|policy|penalty)\b|\b(can|could|if|when) (i|we) cancel\b",
        r"\bprepayment\b|\bpenalty\b|\brefundable\b",
        r"\bfinanc(e|ed|ing)\b|\binterest( rate)?\b|\bapr\b|\bpayment plan\b",
        r"\bfine print\b|\bterms\b|\block(ed)? (me |us )?in\b",
        r"\bsign (anything|today|right now)\b|\bsign(ing)? (a|the) (contract|agreement)\b",
        r"\bmonthly payments?\b|\bhow (long|many) (months|years|payments)\b",
    ),
    "DIY Alternative": _patterns(
        r"\b(do|fix|handle|install|patch|replace|repair|tackle) (it|this|that|them|the \w+)"
        r" (myself|ourselves)\b",
        r"\b(can|could|will|'ll|might|gonna|going to) \w+ (it|this|that|them)( \w+)? (myself"
        r"|ourselves)\b",
        r"\b(do|doing|fix|fixing|patch|patching|install|installing|replace|replacing|repair"
        r"|repairing)\b[^.?!]{0,40}\b(myself|ourselves)\b",
        r"\bhandyman\b|\bdiy\b|\bdo-it-yourself\b",
        r"\b(my|our) (brother|brother-in-law|cousin|uncle|dad|father|son|nephew|neighbor|friend"
        r"|buddy|husband)\b[^.?!]{0,40}\b(does|can|could|is a|works|used to|roofer|contractor"
        r"|plumber|electrician|handy|fix|install)\b",
        r"\byoutube\b|\bvideos? on how\b|\b(home depot|lowe'?s)\b",
    ),
}

# Sentences that mention price approvingly must not count as price objections.
_PRICE_APPROVAL = re.compile(
    r"\b(not|isn'?t|wasn'?t) (too |that |very |so )?(expensive|pricey|bad)\b"
    r"|\b(fair|reasonable|good|great) (price|deal)\b|\bprice is (fine|fair|good|reasonable|right)\b",
    re.IGNORECASE,
)
# After the company has named a price, a customer question about money is price scrutiny.
_PRICE_QUESTION = re.compile(
    r"\b(prices?|pricing|cost|how much|monthly|payments?|total)\b|\b(per|a) month\b", re.IGNORECASE
)
_PRICE_PRESENTED = re.compile(
    r"\$\s?\d|\b\d[\d,.]*\s?(dollars|bucks|a month|per month)\b"
    r"|\b(price|cost|total|investment)\b[^.?!]{0,40}\d",
    re.IGNORECASE,
)
_DECISIVE = re.compile(
    r"\b(no way|won'?t|can'?t|cannot|not going to|never|absolutely not|too (much|expensive))\b",
    re.IGNORECASE,
)
_CLOSING_QUESTION = re.compile(
    r"\b(ready to|go ahead|move forward|get (you|this|it|that) (started|scheduled|booked)|sign"
    r"|put you down|get you on"
    r"|book|schedule|lock (it|this|that) in|proceed|get started|work for you|sound good"
    r"|shall we|should we)\b|\$\s?\d|\b(price|cost|total|payment|investment|budget)\b",
    re.IGNORECASE,
)
_FILLER_ONLY = re.compile(r"^(?:[\W_]|uh+|um+|hmm+|mm+|mhm|erm|ah+|er|eh|oh)*$", re.IGNORECASE)
_DISAGREEING_REPLY = re.compile(r"^\W*(no\b|nah\b|not really|i don'?t think so|still\b)", re.I)
# With unknown speakers every turn may be the customer's; these phrasings are the company's.
_COMPANY_VOICE = re.compile(
    r"\bwe (offer|provide|install|include|carry|can schedule|'ll send|will send)\b"
    r"|\bour (company|crew|team|warranty|financing|technicians?|installers?)\b"
    r"|\b(i'?m|we'?re) calling (about|from|to)\b|\byour (roof|home|house|system|estimate)\b",
    re.IGNORECASE,
)

RESPONSE_SUGGESTIONS = {
    "Price/Budget": [
        "Break the total into monthly payments and show the financing options.",
        "Tie the price to the savings and the warranty the customer gets for it.",
    ],
    "Timing": [
        "Ask what would need to happen for now to be the right time.",
        "Explain what waiting costs (further damage, rising prices) and offer a firm follow-up date.",
    ],
    "Competitor": [
        "Ask what the other quotes include and compare scope line by line.",
        "Point to warranty, reviews and workmanship rather than price alone.",
    ],
    "Trust/Credibility": [
        "Offer license and insurance numbers, reviews and local references.",
        "Explain the guarantee and the written cancellation right.",
    ],
    "Need/Fit": [
        "Go back to the problem the customer described and what happens if it is left alone.",
        "Offer a smaller option that still solves the problem.",
    ],
    "Decision Authority": [
        "Offer to meet or call when all decision makers can be present.",
        "Send a clear written summary the customer can share with the other decision maker.",
    ],
    "Technical": [
        "Answer the technical question plainly and back it with the spec sheet.",
    ],
    "Contract Terms": [
        "Walk through the financing and contract terms in writing, including the right to cancel.",
    ],
    "DIY Alternative": [
        "Explain the permit, warranty and safety risks of doing it without a licensed crew.",
    ],
    "No Response": [
        "Ask an open question and wait for the answer before moving on.",
    ],
}


@dataclass(frozen=True)
class ObjectionHit:
    category: str
    sentence: Sentence
    confidence: float
    # "scrutiny" (a question about money), "stated" or "decisive".
    strength: str


def find_objection_hits(call: CallText) -> list[ObjectionHit]:
    """Every sentence-level objection signal in the call, in transcript order."""
    hits = []
    price_named = False
    unmatched: list[Sentence] = []

    for sentence in call.sentences:
        if is_company_side(sentence.speaker) and _PRICE_PRESENTED.search(sentence.text):
            price_named = True
        if not is_customer_side(sentence.speaker):
            continue
        if sentence.speaker is None and _COMPANY_VOICE.search(sentence.text):
            continue

        found = _rule_hits(sentence, price_named)
        hits.extend(found)
        if not found and sentence.word_count >= MIN_WORDS_FOR_SIMILARITY:
            unmatched.append(sentence)

    hits.extend(_similarity_hits(call, unmatched))
    hits.extend(_no_response_hits(call))
    return sorted(hits, key=lambda hit: hit.sentence.index)


def analyze_objections(transcript: Transcript, *, embedder: Any = None) -> dict[str, Any]:
    """The `objections` section for a transcript on its own."""
    return detect_objections(CallText(transcript, embedder))


def detect_objections(call: CallText) -> dict[str, Any]:
    """The `objections` section: one entry per category raised, quoting its strongest moment."""
    hits = find_objection_hits(call)
    objection_turns = {hit.sentence.turn_index for hit in hits}
    by_category: dict[str, list[ObjectionHit]] = defaultdict(list)
    for hit in hits:
        by_category[hit.category].append(hit)

    objections = []
    for category, category_hits in by_category.items():
        objections.append(_objection(call, category, category_hits, objection_turns))
    objections.sort(key=lambda objection: objection["turn_index"])
    for number, objection in enumerate(objections, start=1):
        objection["id"] = f"obj_{number}"

    breakdown = {"low": 0, "medium": 0, "high": 0}
    for objection in objections:
        breakdown[objection["severity"]] += 1
    return {
        "objections": objections,
        "total_objections": len(objections),
        "severity_breakdown": breakdown,
        "no_objections_reason": None if objections else "no customer turn voiced an objection",
    }


def _rule_hits(sentence: Sentence, price_named: bool) -> list[ObjectionHit]:
    strength = "decisive" if _DECISIVE.search(sentence.text) else "stated"
    hits = []
    for category, patterns in CUES.items():
        if category == "Price/Budget" and _PRICE_APPROVAL.search(sentence.text):
            continue
        if any(pattern.search(sentence.text) for pattern in patterns):
            hits.append(ObjectionHit(category, sentence, 0.9, strength))

    money_question = sentence.is_question and _PRICE_QUESTION.search(sentence.text)
    if price_named and money_question and not any(h.category == "Price/Budget" for h in hits):
        hits.append(ObjectionHit("Price/Budget", sentence, 0.6, "scrutiny"))
    return hits


def _similarity_hits(call: CallText, sentences: list[Sentence]) -> list[ObjectionHit]:
    if not sentences:
        return []
    bank = prototype_bank(call.embedder, OBJECTION_PHRASES)
    scores = bank.label_scores(call.vectors[[sentence.index for sentence in sentences]])
    none_column = bank.labels.index(NONE_LABEL)

    hits = []
    for sentence, row in zip(sentences, scores):
        best = int(row.argmax())
        label, score = bank.labels[best], float(row[best])
        if label == NONE_LABEL or score < SIMILARITY_THRESHOLD:
            continue
        if score - float(row[none_column]) < SIMILARITY_MARGIN:
            continue
        if label == "Price/Budget" and _PRICE_APPROVAL.search(sentence.text):
            continue
        strength = "decisive" if _DECISIVE.search(sentence.text) else "stated"
        hits.append(ObjectionHit(label, sentence, round(score, 3), strength))
    return hits


def _no_response_hits(call: CallText) -> list[ObjectionHit]:
    """Rep price or closing questions the customer left unanswered (call ended, or filler)."""
    turns = call.transcript.turns
    hits = []
    for turn_index, turn in enumerate(turns):
        if not is_company_side(turn.speaker) or turn.speaker is None:
            continue
        sentences = call.in_turn(turn_index)
        if not sentences or not sentences[-1].is_question:
            continue
        question = sentences[-1]
        if not _CLOSING_QUESTION.search(question.text):
            continue

        following = turns[turn_index + 1] if turn_index + 1 < len(turns) else None
        if following is None or (
            is_customer_side(following.speaker) and _FILLER_ONLY.match(following.text.strip())
        ):
            hits.append(ObjectionHit("No Response", question, 0.8, "stated"))
    return hits


def _objection(
    call: CallText, category: str, hits: list[ObjectionHit], objection_turns: set[int]
) -> dict[str, Any]:
    strongest = max(hits, key=lambda hit: (hit.confidence, -hit.sentence.index))
    overcome, response = _handled(call, hits[-1].sentence.turn_index, objection_turns)
    if category == "No Response":
        overcome, response = False, None

    if len(hits) > 1 or any(hit.strength == "decisive" for hit in hits):
        severity = "high"
    elif all(hit.strength == "scrutiny" for hit in hits):
        severity = "low"
    else:
        severity = "medium"

    sentence = strongest.sentence
    return {
        "id": None,
        "category_id": CATEGORY_IDS[category],
        "category_text": category,
        "objection_text": sentence.text,
        "turn_index": sentence.turn_index,
        "start": sentence.start,
        "end": sentence.end,
        "timestamp": sentence.start,
        "overcome": overcome,
        "overcome_quote": response.text if response else None,
        "overcome_turn_index": response.turn_index if response else None,
        "speaker_id": sentence.speaker,
        "severity": severity,
        "confidence_score": strongest.confidence,
        "occurrences": len(hits),
        "response_suggestions": [] if overcome else RESPONSE_SUGGESTIONS[category],
    }


def _handled(
    call: CallText, turn_index: int, objection_turns: set[int]
) -> tuple[bool, Sentence | None]:
    """Handled when a later rep turn answers and the customer's next turn neither objects
    again nor disagrees. With unknown speakers the next two turns stand in for rep and customer."""
    turns = call.transcript.turns
    speakers_known = call.transcript.speakers_known

    response_index = next(
        (
            index
            for index in range(turn_index + 1, len(turns))
            if turns[index].text
            and (not speakers_known or turns[index].speaker in ("rep", "csr"))
        ),
        None,
    )
    if response_index is None:
        return False, None
    reply_index = next(
        (
            index
            for index in range(response_index + 1, len(turns))
            if not speakers_known or turns[index].speaker == "customer"
        ),
        None,
    )
    if reply_index is None:
        return False, None

    reply = turns[reply_index].text.strip()
    if (
        reply_index in objection_turns
        or _FILLER_ONLY.match(reply)
        or _DISAGREEING_REPLY.match(reply)
    ):
        return False, None

    answer = call.in_turn(response_index)
    substantive = [sentence for sentence in answer if sentence.word_count >= 4]
    return True, (substantive or answer)[0]
