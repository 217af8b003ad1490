"""A second held-out set of labelled exchanges, written before the cue lists were last changed.

Same form and labelling rules as `objection_utterances.py`. `HELD_OUT_UTTERANCES` there was on
screen while the last round of cue changes was made, so it no longer measures unseen speech;
this set was written first and not looked at item by item until those changes were done.
"""

from __future__ import annotations

FRESH_UTTERANCES: list[tuple[str, frozenset[str]]] = [
    ("Customer: That's a lot more than the ballpark you gave on the phone.",
     frozenset({"Price/Budget"})),
    ("Customer: We just don't have that kind of money sitting around.",
     frozenset({"Price/Budget"})),
    (
        "Rep: The new panel and the permit come to $4,850.\n"
        "Customer: Is that the best you can do?",
        frozenset({"Price/Budget"}),
    ),
    ("Customer: Can we talk again once the kids are back in school?", frozenset({"Timing"})),
    ("Customer: I'm not in a rush, the old one still limps along.", frozenset({"Timing"})),
    ("Customer: Maybe after we get our tax refund.", frozenset({"Timing"})),
    ("Customer: We got a lower bid from a company in town last week.", frozenset({"Competitor"})),
    ("Customer: I'm waiting to hear back from one other contractor.", frozenset({"Competitor"})),
    ("Customer: Home Depot has a similar unit on sale right now.", frozenset({"Competitor"})),
    ("Customer: Are you bonded and insured if something goes wrong?",
     frozenset({"Trust/Credibility"})),
    ("Customer: How long has your company actually been around?",
     frozenset({"Trust/Credibility"})),
    ("Customer: I got burned by a contractor before, so I'm careful.",
     frozenset({"Trust/Credibility"})),
    ("Customer: I don't think we need the attic insulation part.", frozenset({"Need/Fit"})),
    ("Customer: Our water pressure is fine, why would we add a booster?", frozenset({"Need/Fit"})),
    ("Customer: We're probably moving in a few years, so a big upgrade doesn't make sense.",
     frozenset({"Need/Fit"})),
    ("Customer: My husband makes these calls, I'd have to ask him.",
     frozenset({"Decision Authority"})),
    ("Customer: We rent, so the landlord would have to sign off.",
     frozenset({"Decision Authority"})),
    ("Customer: My business partner co-owns the building, I can't decide alone.",
     frozenset({"Decision Authority"})),
    ("Customer: How many years does the compressor warranty actually cover?",
     frozenset({"Technical"})),
    ("Customer: Would these panels work with all the shade from that oak tree?",
     frozenset({"Technical"})),
    ("Customer: How does the smart thermostat talk to the old boiler?", frozenset({"Technical"})),
    ("Customer: How much is the deposit, and is it refundable?", frozenset({"Contract Terms"})),
    ("Customer: I don't want to be locked into a ten-year service contract.",
     frozenset({"Contract Terms"})),
    ("Customer: What are the financing terms if my credit isn't great?",
     frozenset({"Contract Terms"})),
    ("Customer: My brother-in-law is handy, he said he'd help me do it.",
     frozenset({"DIY Alternative"})),
    ("Customer: I watched a few videos, I think I can swap the disposal myself.",
     frozenset({"DIY Alternative"})),
    ("Customer: We'll probably just hire a handyman for the small stuff.",
     frozenset({"DIY Alternative"})),
    (
        "Rep: That brings the total to $9,200. Should we get you on the calendar?\n"
        "Customer: Uh...",
        frozenset({"No Response"}),
    ),
    (
        "Rep: With the rebate you'd be at $7,750. Do you want to go ahead today?",
        frozenset({"No Response"}),
    ),
    ("Customer: Tuesday works, the side door will be open.", frozenset()),
    ("Customer: The thermostat says 85 and it's blowing warm air.", frozenset()),
    ("Customer: Perfect, that price is right where we hoped.", frozenset()),
    ("Customer: My wife found you on Google and liked your reviews.", frozenset()),
    ("Customer: Please text me when the tech is on the way.", frozenset()),
    ("Customer: We signed the agreement, so what happens next?", frozenset()),
    ("Customer: The dog will be in the backyard, just so you know.", frozenset()),
]
