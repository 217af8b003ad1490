"""What objections sound like: cue patterns per category and the phrasing around them."""

from __future__ import annotations

import re


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
        # Expectation shock: "I figured it would be maybe half of that".
        r"\b(figured|thought|expected|assumed|hoped)\b[^.?!]{0,40}\b(half|less|lower|cheaper"
        r"|under)\b",
        r"\bfixed income\b|\bevery (dollar|penny|cent)\b|\bmoney('s| is) tight\b",
        # A price said back as a question: "Nine grand for a water heater?"
        r"\b(\d[\d,.]*|\w+) (grand|thousand|bucks)\b[^.!]*\?",
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
        r"\b(give|need|take) (us|me|it)( \w+)? (a few|a couple( of)?|some|another|more) (days|weeks"
        r"|months)\b",
        r"\b(ask|call|try|check with) (me|us) (again|back)\b[^.?!]{0,30}\b(later|around|in|after"
        r"|next)\b",
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
        r"\b(an? |another |the )?(estimate|quote|bid|proposal)s? from\b",
        r"\bmatch (whatever|any|your|anything)\b",
        r"\bquoted\b[^.?!]{0,50}\b(less|lower|cheaper)\b",
    ),
    "Trust/Credibility": _patterns(
        r"\breviews\b|\b(online|google|yelp|bad|good) review\b",
        r"\blicen[sc]ed?\b|\blicen[sc]e number\b|\binsured\b|\bbonded\b|\bcomplaints?\b",
        r"\bscams?\b|\bscammers?\b|\brip(ped)?[- ]?off\b|\btoo good to be true\b",
        r"\bhow (do|can|would) (i|we) know\b",
        r"\b(got |been )(burned|burnt|screwed)\b|\bbad experience\b"
        r"|\b(wary|skeptical|leery|nervous)\b",
        r"\bhow long have you( \w+){0,2} been (in business|around|doing this)\b",
        r"\b(can (i|we)|don'?t) trust\b|\blegit(imate)?\b|\breferences\b",
        r"\bbetter business bureau\b",
    ),
    "Need/Fit": _patterns(
        r"\b(don'?t|do not|doesn'?t|does not) (really |even )?need\b",
        r"\bnot (sure|convinced)\b[^.?!]{0,30}\b(need|necessary|worth)\b",
        r"\b(isn'?t|not|un)necessary\b|\bnot worth (it|the)\b|\boverkill\b",
        r"\b(works|working|runs|running|heats|cools)( \w+){0,3} (fine|okay|ok)\b",
        r"\bdon'?t see (why|the point|the need)\b|\b(does|do) the (job|trick)\b",
        r"\b(don'?t|do not) want to (replace|upgrade|change)\b",
        r"(\bnot|n't)( [\w']+){0,3} interested\b",
        r"\b(plenty of|lots of|years of) life left\b|\bstill (has|have) (plenty of )?life\b",
        r"\b(just|only) (want|need|wanted|needed)( \w+){0,3} (repair|repaired|fix|fixed|patch"
        r"|patched)\b",
    ),
    "Decision Authority": _patterns(
        r"\b(talk|speak|check|discuss|consult|run (it|this|that) by|go over|loop in|ask|clear"
        r" (it|this|that) with)\b[^.?!]{0,50}"
        r"\b(wife|husband|spouse|partner|landlord|hoa|board|parents|boss|family)\b",
        r"\b(hoa|condo board|homeowners'? association|co-?op board)\b",
        r"\b(go|goes|went) through (the|our) (association|board|hoa|landlord|management)\b",
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
        r"\b(will|would|does|can) (it|this|that|the unit|the system) (fit|leak|last|handle"
        r"|hold up)\b",
        r"\bhow long (will|would|does) (it|this|that|the \w+) last\b|\bkeep up with\b",
        r"\b(really|actually) (heat|cool|work|handle|keep up|save)\b[^.!]*\?",
        r"\bwhen it'?s\b[^.?!]{0,25}\b(below|degrees|freezing|below zero)\b",
    ),
    "Contract Terms": _patterns(
        r"\bcontracts?\b|\bdeposit\b|\bdown ?payment\b|\bput (\$?\d[\d,]*|money|anything"
        r"|something)( \w+)? down\b",
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
PRICE_APPROVAL = re.compile(
    r"\b(not|isn'?t|wasn'?t) (too |that |very |so )?(expensive|pricey|bad)\b"
    r"|\b(fair|reasonable|good|great) (price|deal)\b"
    r"|\bprice is (fine|fair|good|reasonable|right)\b"
    r"|\b(is|seems|sounds|looks|are) (very |totally |pretty |quite )?"
    r"(manageable|affordable|doable)\b",
    re.IGNORECASE,
)
# Asking for the contract to sign it is agreement, not a contract objection.
CONTRACT_APPROVAL = re.compile(
    r"\b(send|email|mail|bring) (me |us )?(over )?the (contract|agreement|paperwork)\b"
    r"|\b(i'?ll|we'?ll|ready to) sign\b",
    re.IGNORECASE,
)
# After the company has named a price, a customer question about money is price scrutiny.
PRICE_QUESTION = re.compile(
    r"\b(prices?|pricing|cost|how much|monthly|payments?|total)\b|\b(per|a) month\b", re.IGNORECASE
)
PRICE_PRESENTED = re.compile(
    r"\$\s?\d|\b\d[\d,.]*\s?(dollars|bucks|a month|per month)\b"
    r"|\b(price|cost|total|investment)\b[^.?!]{0,40}\d",
    re.IGNORECASE,
)
DECISIVE = re.compile(
    r"\b(no way|won'?t|can'?t|cannot|not going to|never|absolutely not|too (much|expensive))\b",
    re.IGNORECASE,
)
CLOSING_QUESTION = re.compile(
    r"\b(ready to|go ahead|move forward|get (you|this|it|that) (started|scheduled|booked)|sign"
    r"|put you down|get you on"
    r"|book|schedule|lock (it|this|that) in|proceed|get started|work for you|sound good"
    r"|shall we|should we)\b|\$\s?\d|\b(price|cost|total|payment|investment|budget)\b",
    re.IGNORECASE,
)
FILLER_ONLY = re.compile(r"^(?:[\W_]|uh+|um+|hmm+|mm+|mhm|erm|ah+|er|eh|oh)*$", re.IGNORECASE)
DISAGREEING_REPLY = re.compile(r"^\W*(no\b|nah\b|not really|i don'?t think so|still\b)", re.I)
# With unknown speakers every turn may be the customer's; these phrasings are the company's.
COMPANY_VOICE = re.compile(
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
        "Explain what waiting costs (more damage, higher prices) and offer a firm follow-up date.",
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
