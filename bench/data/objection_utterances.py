"""Short labelled exchanges for measuring objection detection: text and the categories in it.

Written by hand, apart from the prototype phrases and cue lists the detector uses. Each item is
a small transcript in plain-text form ("Role: words" per line); the label is the set of
objection categories a careful reviewer would file for the whole exchange. Questions about money
count as Price/Budget only once the company has named a price.

`LABELLED_UTTERANCES` was in view while the cue lists and prototypes were written, so it
flatters them. `HELD_OUT_UTTERANCES` was written once they were settled, but its mistakes were
later used to adjust the cues, so it flatters them too; `bench/data/objection_fresh.py` was
written before that adjustment and never used to change the detector: its figure is the one
to trust.
"""

from __future__ import annotations

LABELLED_UTTERANCES: list[tuple[str, frozenset[str]]] = [
    # Price/Budget
    ("Customer: Wow, that's way more than we were planning to spend.", frozenset({"Price/Budget"})),
    ("Customer: Fourteen grand? We can't swing that right now.", frozenset({"Price/Budget"})),
    ("Customer: Honestly the number you gave me is pretty steep.", frozenset({"Price/Budget"})),
    (
        "Rep: The full replacement comes to $12,400 installed.\n"
        "Customer: And what would that be per month?",
        frozenset({"Price/Budget"}),
    ),
    (
        "Customer: Is there anything you can do to get the price down a bit?",
        frozenset({"Price/Budget"}),
    ),
    # Timing
    ("Customer: We'd rather hold off until after tax season.", frozenset({"Timing"})),
    ("Customer: Let me sleep on it and I'll call you next week.", frozenset({"Timing"})),
    ("Customer: This just isn't a good time with the baby coming.", frozenset({"Timing"})),
    ("Customer: We're probably looking at doing it next spring instead.", frozenset({"Timing"})),
    # Competitor
    (
        "Customer: We've got two more companies coming out this week to bid.",
        frozenset({"Competitor"}),
    ),
    ("Customer: The outfit down the road said they'd do it for less.", frozenset({"Competitor"})),
    ("Customer: I already talked with a roofer my neighbor used.", frozenset({"Competitor"})),
    # Trust/Credibility
    (
        "Customer: Are your installers actually licensed in this state?",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: Last contractor took our deposit and vanished, so forgive me if I'm wary.",
        frozenset({"Trust/Credibility"}),
    ),
    ("Customer: I looked you up and couldn't find many reviews.", frozenset({"Trust/Credibility"})),
    # Need/Fit
    (
        "Customer: The furnace still heats the house fine, so I don't see why we'd replace it.",
        frozenset({"Need/Fit"}),
    ),
    (
        "Customer: We really only need the one leak patched, not a new roof.",
        frozenset({"Need/Fit"}),
    ),
    ("Customer: Solar panels just aren't something we're interested in.", frozenset({"Need/Fit"})),
    # Decision Authority
    (
        "Customer: I'll have to go over the numbers with my husband tonight.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: It's a rental, so the owner would have to okay any of this.",
        frozenset({"Decision Authority"}),
    ),
    ("Customer: My wife handles all the big purchases.", frozenset({"Decision Authority"})),
    # Technical
    (
        "Customer: How does a heat pump keep up when it drops below freezing?",
        frozenset({"Technical"}),
    ),
    (
        "Customer: Is that compressor going to be loud right under the bedroom window?",
        frozenset({"Technical"}),
    ),
    ("Customer: What's the SEER rating on the cheaper unit?", frozenset({"Technical"})),
    # Contract Terms
    ("Customer: How much of a deposit do you need up front?", frozenset({"Contract Terms"})),
    (
        "Customer: What happens if I change my mind after signing the contract?",
        frozenset({"Contract Terms"}),
    ),
    (
        "Customer: What kind of interest are we talking about on the twelve-year plan?",
        frozenset({"Contract Terms"}),
    ),
    # DIY Alternative
    (
        "Customer: My son-in-law is pretty handy, he could probably swap the water heater.",
        frozenset({"DIY Alternative"}),
    ),
    (
        "Customer: I was thinking of just patching the shingles myself this weekend.",
        frozenset({"DIY Alternative"}),
    ),
    (
        "Customer: We'll probably get a handyman out for the gutters.",
        frozenset({"DIY Alternative"}),
    ),
    # No Response
    (
        "Rep: So are we ready to get you on the install calendar for Tuesday?\nCustomer: Hmm.",
        frozenset({"No Response"}),
    ),
    (
        "Rep: With the rebate it comes to $9,800. Does that work for your budget?",
        frozenset({"No Response"}),
    ),
    (
        "Rep: Should we go ahead and lock in that price today?\nCustomer: Uh...",
        frozenset({"No Response"}),
    ),
    # Two categories in one breath
    (
        "Customer: It's more than we budgeted, and I'd want my wife to see it first.",
        frozenset({"Price/Budget", "Decision Authority"}),
    ),
    # No objection
    ("Customer: That sounds great, let's get it on the calendar.", frozenset()),
    ("Customer: The water heater is leaking all over the garage floor.", frozenset()),
    ("Customer: Tuesday morning works perfectly for us.", frozenset()),
    ("Customer: Thanks, you explained everything really clearly.", frozenset()),
    ("Customer: How much do you charge to come out and take a look?", frozenset()),
    ("Customer: The house was built in 1998 and it's the original roof.", frozenset()),
    ("Customer: Yes, you can text me at this number.", frozenset()),
    ("Customer: I like that the warranty is transferable if we sell.", frozenset()),
    ("Customer: Great, we'll take the second option.", frozenset()),
    ("Customer: The price is fair, honestly.", frozenset()),
    (
        "Rep: Can I get you scheduled for Thursday afternoon?\nCustomer: Yes, Thursday works.",
        frozenset(),
    ),
    ("Customer: We've got a dog, so please close the gate when you come by.", frozenset()),
    # Second batch, written after the first round of cue lists
    (
        "Customer: Eleven thousand is just not in the cards for us this year.",
        frozenset({"Price/Budget"}),
    ),
    ("Customer: That's double what the last roof cost us.", frozenset({"Price/Budget"})),
    ("Customer: Can we circle back in the fall once things calm down?", frozenset({"Timing"})),
    ("Customer: I'm not making any decisions until my bonus comes in.", frozenset({"Timing"})),
    (
        "Customer: Your competitor offered us a free inspection and a lower quote.",
        frozenset({"Competitor"}),
    ),
    (
        "Customer: We're collecting three estimates before we pick anyone.",
        frozenset({"Competitor"}),
    ),
    (
        "Customer: How long have you guys actually been in business?",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: A neighbor said your crew left a mess, so I'm a little nervous.",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: Honestly the old water heater does the job, I don't want to replace it yet.",
        frozenset({"Need/Fit"}),
    ),
    (
        "Customer: I'd have to ask my landlord before you touch anything.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: My partner and I decide these things together, and she's out of town.",
        frozenset({"Decision Authority"}),
    ),
    ("Customer: Will the new panel handle an EV charger later on?", frozenset({"Technical"})),
    ("Customer: Is there a penalty if we pay the loan off early?", frozenset({"Contract Terms"})),
    (
        "Customer: I don't want to be locked into a ten-year agreement.",
        frozenset({"Contract Terms"}),
    ),
    (
        "Customer: My cousin's an electrician, he said he'd wire it for us.",
        frozenset({"DIY Alternative"}),
    ),
    (
        "Rep: So the total investment is $8,200; shall we get the paperwork started?\n"
        "Customer: ...",
        frozenset({"No Response"}),
    ),
    ("Customer: Perfect, send the crew Monday.", frozenset()),
    ("Customer: The AC has been blowing warm air since Sunday.", frozenset()),
    ("Customer: My email is on the form I filled out.", frozenset()),
    ("Customer: We loved the crew you sent last time.", frozenset()),
    ("Customer: Could the tech call before he heads over?", frozenset()),
    ("Customer: Okay, I'm comfortable with that monthly amount.", frozenset()),
    # Third batch: the first held-out set, folded in after it exposed gaps in the cues
    ("Customer: Nine grand for a water heater? Come on.", frozenset({"Price/Budget"})),
    (
        "Customer: With two kids in college we really have to watch every dollar.",
        frozenset({"Price/Budget"}),
    ),
    ("Customer: We just moved in, so ask me again around summer.", frozenset({"Timing"})),
    ("Customer: Let's revisit this after the holidays.", frozenset({"Timing"})),
    (
        "Customer: Another solar company is coming by on Friday with their numbers.",
        frozenset({"Competitor"}),
    ),
    (
        "Customer: The big-box store quoted the same windows for a lot less.",
        frozenset({"Competitor"}),
    ),
    (
        "Customer: Do you have any photos of jobs you've actually finished around here?",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: Some of these door-to-door companies are scams, no offense.",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: Our roof is only twelve years old, it should have plenty of life left.",
        frozenset({"Need/Fit"}),
    ),
    ("Customer: A whole-house filter seems like more than we need.", frozenset({"Need/Fit"})),
    (
        "Customer: Whatever we do, my mother-in-law has to agree, it's her house.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: The condo board has rules about exterior changes.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: Does a tankless heater keep up with two showers running at once?",
        frozenset({"Technical"}),
    ),
    (
        "Customer: What's the difference between the 16 and 18 SEER models?",
        frozenset({"Technical"}),
    ),
    (
        "Customer: What do I owe if I cancel after the materials are ordered?",
        frozenset({"Contract Terms"}),
    ),
    ("Customer: I'd need the loan to have no prepayment penalty.", frozenset({"Contract Terms"})),
    (
        "Customer: Honestly I've redone a bathroom before, I could tile it myself.",
        frozenset({"DIY Alternative"}),
    ),
    (
        "Rep: So that's $6,400 for the full repipe. Can I put you down for next Wednesday?\n"
        "Customer: Um.",
        frozenset({"No Response"}),
    ),
    ("Customer: Sure, Wednesday after two is fine.", frozenset()),
    ("Customer: The breaker keeps tripping whenever the dryer runs.", frozenset()),
    ("Customer: You guys did my sister's roof and she loves it.", frozenset()),
    ("Customer: Go ahead and send the contract over, I'll sign tonight.", frozenset()),
    ("Customer: The gate code is 4411.", frozenset()),
    ("Customer: I appreciate you taking the time to walk me through it.", frozenset()),
]

HELD_OUT_UTTERANCES: list[tuple[str, frozenset[str]]] = [
    (
        "Customer: Whoa, I figured a furnace would be maybe half of that.",
        frozenset({"Price/Budget"}),
    ),
    ("Customer: We're on a fixed income, so that's tough.", frozenset({"Price/Budget"})),
    ("Customer: Give us a few weeks to figure things out.", frozenset({"Timing"})),
    (
        "Customer: We're selling the house next year, so I'd rather not do it now.",
        frozenset({"Timing"}),
    ),
    ("Customer: My neighbor's guy said he'd match whatever you quote.", frozenset({"Competitor"})),
    ("Customer: We have an estimate from Sears for the same system.", frozenset({"Competitor"})),
    (
        "Customer: Can you send me your contractor license number before we go further?",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: I've read some complaints online about your company.",
        frozenset({"Trust/Credibility"}),
    ),
    (
        "Customer: Honestly a new roof feels unnecessary, it's one missing shingle.",
        frozenset({"Need/Fit"}),
    ),
    (
        "Customer: We don't really use the upstairs, so a second zone seems pointless.",
        frozenset({"Need/Fit"}),
    ),
    (
        "Customer: I'll need to loop in my wife, she's the numbers person.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: Anything on the outside has to go through the association.",
        frozenset({"Decision Authority"}),
    ),
    (
        "Customer: Will a heat pump really heat the place when it's ten below?",
        frozenset({"Technical"}),
    ),
    ("Customer: How loud is the outdoor unit compared to what we have?", frozenset({"Technical"})),
    ("Customer: Do I have to sign today to get that promotion?", frozenset({"Contract Terms"})),
    (
        "Customer: What's the APR if I don't pay it off in the first year?",
        frozenset({"Contract Terms"}),
    ),
    (
        "Customer: My nephew installs these for a living, he could put it in on a weekend.",
        frozenset({"DIY Alternative"}),
    ),
    (
        "Rep: All in, you're looking at $11,300. Would you like to move forward with that?\n"
        "Customer: Hmm...",
        frozenset({"No Response"}),
    ),
    ("Customer: Okay, let's book it for Friday morning.", frozenset()),
    ("Customer: There's water coming through the ceiling in the kitchen.", frozenset()),
    ("Customer: Can your guy park in the driveway?", frozenset()),
    ("Customer: The last tech you sent was super friendly.", frozenset()),
    ("Customer: That payment is manageable for us.", frozenset()),
    ("Customer: My number is 555-010-0777 if you need to reach me.", frozenset()),
]
