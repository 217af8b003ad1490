"""The mobile "v0" extraction of a sales visit: greeting, decision, price, mentions, farewell.

`extract_visit_v0` runs offline on rules; `extract_visit_v0_openai` asks an OpenAI-compatible
model for the same keys and falls back to the rules. Every quote is a sentence of the transcript
and every timestamp is that turn's start as HH:MM:SS (null when the transcript has no times).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import jsonschema

from ai.analysis.evidence import CallText, Sentence, anchor, is_company_side, is_customer_side
from ai.analysis.when import find_when
from ai.providers import ProviderError, Usage
from ai.transcript import Transcript

logger = logging.getLogger(__name__)

PROCESS_NAME = "v0"
PROCESS_DESCRIPTION = (
    "Visit essentials: greeting and introduction, the customer's decision, the quoted price and "
    "payment talk, company mentions, and the farewell with follow-up and paperwork."
)
LOCAL_MODEL = "local"
SECTIONS = ("greeting", "customer_decision", "quoted_price", "company_mentions", "farewell")
MAX_ATTEMPTS = 2


def _cue(*expressions: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(expressions) + r")\b", re.IGNORECASE)


GREETING = _cue(r"hi", r"hello", r"hey", r"good (?:morning|afternoon|evening)", r"nice to meet")
INTRODUCTION = re.compile(
    r"\b(?i:my name is|my name['’]s|this is|i['’]m|i am)\s+(?P<name>[A-Z][a-z]+)(?=\s+(?:with|from|"
    r"here|and|,)|[.,!]|$)"
)
BOUGHT = _cue(
    r"let'?s do it", r"let'?s go (?:ahead|with)", r"go ahead and (?:do|book|schedule|sign)",
    r"sign me up", r"(?:we'?ll|i'?ll) take (?:it|the)", r"where do i sign", r"we'?re in",
    r"let'?s move forward", r"you'?ve got a deal", r"deal\.", r"we'?ll go with",
)
DECIDING = _cue(
    r"think about it", r"think it over", r"sleep on it", r"(?:talk|speak) (?:to|with) my "
    r"(?:wife|husband|partner|spouse)", r"get back to you", r"let me think", r"need (?:some )?time",
    r"(?:other|more) (?:quotes|estimates|bids)", r"not ready to (?:decide|commit|sign)",
    r"look (?:it )?over", r"run it by", r"make a decision",
    r"(?:talk|speak) (?:to|with) (?:her|him)",
    r"discuss (?:it|this|that) with",
)
REJECTED = _cue(
    r"not interested", r"no,? thank(?:s| you)", r"we'?ll pass", r"going (?:to go )?with (?:another|"
    r"someone else|the other)", r"not going to do it", r"decided (?:against|not to)",
    r"can'?t do it", r"too expensive for us",
)
AGREEMENT = _cue(r"agreement", r"contract", r"sign(?:ed|ing)?\b(?! up)", r"paperwork", r"deposit")
PRICE_WORDS = _cue(
    r"total", r"price", r"cost", r"comes? (?:to|out)", r"investment", r"would be",
    r"is going to be",
    r"you'?re looking at", r"estimate", r"quote",
)
DISCOUNT = _cue(r"discount", r"\d+ ?% off", r"off\b", r"rebate", r"save", r"savings", r"promotion",
                r"special", r"coupon", r"if you qualify", r"credit(?:ed)? back")
# Amounts that are not the job's price: deposits, down payments and monthly instalments.
NOT_A_PRICE = _cue(r"a month", r"per month", r"monthly", r"/mo", r"down payment", r"deposit",
                   r"(?:put|pay) \S+ down")
PAYMENT = _cue(r"financ\w*", r"monthly", r"per month", r"payments?", r"deposit", r"credit card",
               r"down payment", r"pay (?:for|it|in|up)", r"check", r"cash", r"interest", r"apr")
MONEY = re.compile(r"\$\s?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\$\s?\d+(?:\.\d{2})?|\b\d{1,3}(?:,\d{3})+"
                   r"(?= dollars)|\b\d+(?= dollars)", re.IGNORECASE)
GOODBYE = _cue(r"have a (?:great|good|nice) (?:day|night|evening|weekend|one)", r"bye", r"goodbye",
               r"take care", r"(?:nice|great|pleasure) (?:meeting|to meet|talking)",
               r"thanks? (?:so much |again )?for (?:your time|having me)")
FOLLOW_UP = _cue(r"follow(?: |-)?up", r"(?:call|text|reach out to|check (?:in )?with) you",
                 r"get back (?:to|with) you", r"touch base", r"circle back", r"come back out")
DOCUMENT = re.compile(
    r"\b(?:e-?mail|send|text|mail|drop off|leave)\b[^.?!]{0,40}?\b(?P<type>estimate|quote|proposal|"
    r"contract|agreement|brochure|information|info|invoice|warranty|paperwork|pictures|photos|"
    r"options)\b",
    re.IGNORECASE,
)
PAPERWORK = _cue(r"paperwork", r"sign (?:the|this|here|off)", r"signature", r"agreement",
                 r"contract", r"forms?")


def extract_visit_v0(transcript: Transcript, context: Mapping[str, Any] | None = None) -> dict:
    """The v0 sections for a visit transcript. `context` may name `company_name`, `rep_name`
    and `quote_date` (datetime: relative follow-up dates resolve against it)."""
    context = context or {}
    call = CallText(transcript)
    return {
        "greeting": _greeting(call, context),
        "customer_decision": _customer_decision(call),
        "quoted_price": _quoted_price(call),
        "company_mentions": _company_mentions(call, context.get("company_name")),
        "farewell": _farewell(call, context.get("quote_date")),
    }


def extract_visit_v0_openai(
    transcript: Transcript,
    client: Any,
    context: Mapping[str, Any] | None = None,
    *,
    on_usage: Callable[[Usage], None] | None = None,
) -> dict:
    """The v0 sections by a chat model: quotes not found in the transcript are dropped with
    their flags. Two failed or invalid replies → the rules' result marked `degraded`."""
    context = context or {}
    messages = _messages(transcript, context)
    reason = "no attempt made"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            reply = client.chat_json(messages)
        except ProviderError as error:
            if on_usage is not None:
                on_usage(error.usage)
            reason = f"provider error: {error}"
            logger.warning("v0 extraction via openai: attempt %d failed: %s", attempt, error)
            continue
        if on_usage is not None:
            on_usage(reply.usage)
        try:
            jsonschema.validate(reply.data, V0_SCHEMA)
        except jsonschema.ValidationError as error:
            reason = f"invalid reply: {error.message}"
            logger.warning("v0 extraction via openai: attempt %d invalid: %s", attempt,
                           error.message)
            continue
        result = {section: dict(reply.data[section]) for section in SECTIONS}
        _keep_anchored(transcript, result)
        return result

    logger.warning("v0 extraction via openai failed twice (%s); using the rules", reason)
    result = extract_visit_v0(transcript, context)
    result["degraded"] = {"from": "openai", "reason": reason}
    return result


def hms(seconds: float | None) -> str | None:
    """Seconds into the recording as HH:MM:SS."""
    if seconds is None:
        return None
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _greeting(call: CallText, context: Mapping[str, Any]) -> dict:
    opening_turns = max(6, len(call.transcript.turns) // 5)
    opening = [s for s in _company_sentences(call) if s.turn_index < opening_turns]
    greeting = _first(opening, GREETING)
    introduction = _first(opening, INTRODUCTION) or _named(opening, context.get("rep_name"))
    mention = _first(opening, _name_pattern(context.get("company_name")))
    return {
        "rep_greeted_customer": greeting is not None,
        "rep_introduced_self": introduction is not None,
        "company_name_mentioned": mention is not None,
        "greeting_quote": _quote(greeting),
        "introduction_quote": _quote(introduction),
        "company_mention_quote": _quote(mention),
        "greeting_timestamp": _time(greeting),
        "introduction_timestamp": _time(introduction),
        "company_mention_timestamp": _time(mention),
    }


def _customer_decision(call: CallText) -> dict:
    # The last decisive customer statement wins: visits end with the answer that counts.
    verdicts = []
    for sentence in call.sentences:
        if not is_customer_side(sentence.speaker):
            continue
        for status, cue in (("rejected", REJECTED), ("deciding", DECIDING), ("bought", BOUGHT)):
            if cue.search(sentence.text):
                verdicts.append((status, sentence))
                break
    status, decision = verdicts[-1] if verdicts else (None, None)
    agreement = _last((s for s in call.sentences if is_company_side(s.speaker)), AGREEMENT)
    if status != "bought":
        agreement = None
    return {
        "status": status,
        "quote": _quote(decision),
        "timestamp": _time(decision),
        "agreement_mentioned": agreement is not None,
        "agreement_quote": _quote(agreement),
        "agreement_timestamp": _time(agreement),
    }


def _quoted_price(call: CallText) -> dict:
    company = _company_sentences(call)
    priced = [(s, _largest_amount(s.text)) for s in company if MONEY.search(s.text)]
    totals = [(s, amount) for s, amount in priced
              if not DISCOUNT.search(s.text) and not NOT_A_PRICE.search(s.text)]
    worded = [(s, amount) for s, amount in totals if PRICE_WORDS.search(s.text)]
    best = max(worded or totals, key=lambda pair: pair[1][0], default=None)
    payment = _first(company, PAYMENT)
    discount = _first(company, DISCOUNT, require=MONEY) or _first(company, DISCOUNT)
    price_sentence, (_, price_text) = best if best else (None, (None, None))
    return {
        "price_quoted": price_sentence is not None,
        "price": price_text,
        "quote": _quote(price_sentence),
        "timestamp": _time(price_sentence),
        "payment_discussed": payment is not None,
        "payment_quote": _quote(payment),
        "payment_timestamp": _time(payment),
        "discount_mentioned": discount is not None,
        "discount_quote": _quote(discount),
        "discount_timestamp": _time(discount),
    }


def _company_mentions(call: CallText, company_name: str | None) -> dict:
    pattern = _name_pattern(company_name)
    hits = [s for s in call.sentences if pattern is not None and pattern.search(s.text)]
    return {
        "mentioned": bool(hits),
        "mention_count": sum(len(pattern.findall(s.text)) for s in hits) if hits else 0,
        "quotes": [s.text for s in hits],
        "timestamps": [_time(s) for s in hits],
    }


def _farewell(call: CallText, quote_date: datetime | None) -> dict:
    company = _company_sentences(call)
    closing = [s for s in company if s.turn_index >= len(call.transcript.turns) * 2 // 3] or company
    goodbye = _last(closing, GOODBYE)
    follow_up = _last(company, FOLLOW_UP)
    when = find_when(follow_up.text) if follow_up else None
    follow_up_date = None
    if when is not None:
        moment = when.resolve(quote_date) if isinstance(quote_date, datetime) else None
        follow_up_date = moment.date().isoformat() if moment else when.phrase
    document = _first(company, DOCUMENT)
    paperwork = _first(company, PAPERWORK)
    return {
        "professional_goodbye": goodbye is not None,
        "goodbye_quote": _quote(goodbye),
        "goodbye_timestamp": _time(goodbye),
        "follow_up_scheduled": follow_up is not None,
        "follow_up_quote": _quote(follow_up),
        "follow_up_timestamp": _time(follow_up),
        "follow_up_date": follow_up_date,
        "document_sending_mentioned": document is not None,
        "document_type": DOCUMENT.search(document.text).group("type").lower() if document else None,
        "document_quote": _quote(document),
        "document_timestamp": _time(document),
        "paperwork_mentioned": paperwork is not None,
        "paperwork_quote": _quote(paperwork),
        "paperwork_timestamp": _time(paperwork),
    }


def _company_sentences(call: CallText) -> list[Sentence]:
    return [s for s in call.sentences if is_company_side(s.speaker)]


def _first(sentences: Iterable[Sentence], cue: re.Pattern[str] | None,
           require: re.Pattern[str] | None = None) -> Sentence | None:
    if cue is None:
        return None
    for sentence in sentences:
        if cue.search(sentence.text) and (require is None or require.search(sentence.text)):
            return sentence
    return None


def _last(sentences: Iterable[Sentence], cue: re.Pattern[str]) -> Sentence | None:
    found = None
    for sentence in sentences:
        if cue.search(sentence.text):
            found = sentence
    return found


def _named(sentences: list[Sentence], rep_name: str | None) -> Sentence | None:
    first_name = (rep_name or "").split()[0] if (rep_name or "").split() else None
    if not first_name:
        return None
    return _first(sentences, re.compile(r"\b(?:i'?m|this is|name is)\s+" + re.escape(first_name),
                                        re.IGNORECASE))


def _name_pattern(name: str | None) -> re.Pattern[str] | None:
    words = (name or "").split()
    # "Acme Roofing LLC" is said as "Acme" or "Acme Roofing": the first word is enough.
    if not words or len(words[0]) < 3:
        return None
    return re.compile(r"\b" + re.escape(words[0]) + r"\b", re.IGNORECASE)


def _largest_amount(text: str) -> tuple[float, str]:
    amounts = []
    for match in MONEY.finditer(text):
        digits = re.sub(r"[^\d.]", "", match.group())
        try:
            amounts.append((float(digits), _dollars(float(digits))))
        except ValueError:
            continue
    return max(amounts, default=(0.0, None))


def _dollars(amount: float) -> str:
    return f"${amount:,.2f}".removesuffix(".00")


def _quote(sentence: Sentence | None) -> str | None:
    return sentence.text if sentence is not None else None


def _time(sentence: Sentence | None) -> str | None:
    return hms(sentence.start) if sentence is not None else None


def _messages(transcript: Transcript, context: Mapping[str, Any]) -> list[dict[str, str]]:
    known = {key: str(value) for key, value in context.items() if value is not None}
    lines = []
    for index, turn in enumerate(transcript.turns):
        at = f" [{hms(turn.start)}]" if turn.start is not None else ""
        lines.append(f"{turn.speaker or 'unknown'}{at}: {turn.text}")
    instructions = (
        "You read the transcript of an in-home sales visit of a home-services company and reply "
        "with one JSON object holding exactly the keys "
        f"{', '.join(SECTIONS)}, shaped as this JSON Schema: {json.dumps(V0_SCHEMA)}. "
        "Every *_quote and quote is copied verbatim from one transcript line; timestamps are the "
        "[HH:MM:SS] of that line or null. customer_decision.status is bought, deciding, rejected "
        "or null. price is written like $12,500. Use null or false when the visit does not say."
    )
    return [
        {"role": "system", "content": instructions},
        {"role": "user",
         "content": f"Context: {json.dumps(known)}\nTranscript:\n" + "\n".join(lines)},
    ]


def _keep_anchored(transcript: Transcript, result: dict) -> None:
    """Null every quote the transcript does not contain, and the flag that rested on it."""
    flags = {
        "greeting_quote": "rep_greeted_customer", "introduction_quote": "rep_introduced_self",
        "company_mention_quote": "company_name_mentioned", "agreement_quote": "agreement_mentioned",
        "payment_quote": "payment_discussed", "discount_quote": "discount_mentioned",
        "goodbye_quote": "professional_goodbye", "follow_up_quote": "follow_up_scheduled",
        "document_quote": "document_sending_mentioned", "paperwork_quote": "paperwork_mentioned",
    }
    for name, section in result.items():
        if not isinstance(section, dict):
            continue
        for key, value in list(section.items()):
            if not (key == "quote" or key.endswith("_quote")) or value is None:
                continue
            if anchor(transcript, value) is None:
                logger.info("v0 extraction via openai: dropped unfound %s.%s", name, key)
                section[key] = None
                section[key.replace("quote", "timestamp")] = None
                if key in flags:
                    section[flags[key]] = False
                if key == "quote" and name == "customer_decision":
                    section["status"] = None
                if key == "quote" and name == "quoted_price":
                    section.update(price_quoted=False, price=None)
        if name == "company_mentions":
            pairs = zip(section.get("quotes") or [], section.get("timestamps") or [])
            kept = [(q, t) for q, t in pairs if anchor(transcript, q) is not None]
            if len(kept) != len(section.get("quotes") or []):
                section.update(quotes=[q for q, _ in kept], timestamps=[t for _, t in kept],
                               mentioned=bool(kept), mention_count=len(kept))


_TEXT = {"type": ["string", "null"]}
_FLAG = {"type": "boolean"}


def _section(flags: Iterable[str], texts: Iterable[str], extra: Mapping[str, Any] | None = None):
    properties = {**{name: _FLAG for name in flags}, **{name: _TEXT for name in texts}}
    properties.update(extra or {})
    return {"type": "object", "required": list(properties), "properties": properties}


V0_SCHEMA = {
    "type": "object",
    "required": list(SECTIONS),
    "properties": {
        "greeting": _section(
            ("rep_greeted_customer", "rep_introduced_self", "company_name_mentioned"),
            ("greeting_quote", "introduction_quote", "company_mention_quote", "greeting_timestamp",
             "introduction_timestamp", "company_mention_timestamp")),
        "customer_decision": _section(
            ("agreement_mentioned",),
            ("quote", "timestamp", "agreement_quote", "agreement_timestamp"),
            {"status": {"enum": ["bought", "deciding", "rejected", None]}}),
        "quoted_price": _section(
            ("price_quoted", "payment_discussed", "discount_mentioned"),
            ("price", "quote", "timestamp", "payment_quote", "payment_timestamp", "discount_quote",
             "discount_timestamp")),
        "company_mentions": _section(
            ("mentioned",), (),
            {"mention_count": {"type": "integer", "minimum": 0},
             "quotes": {"type": "array", "items": {"type": "string"}},
             "timestamps": {"type": "array", "items": _TEXT}}),
        "farewell": _section(
            ("professional_goodbye", "follow_up_scheduled", "document_sending_mentioned",
             "paperwork_mentioned"),
            ("goodbye_quote", "goodbye_timestamp", "follow_up_quote", "follow_up_timestamp",
             "follow_up_date", "document_type", "document_quote", "document_timestamp",
             "paperwork_quote", "paperwork_timestamp")),
    },
}
