"""How an SMS body travels: GSM-7 when every character fits the GSM 03.38 alphabet, else UCS-2."""

import math

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

# Characters per message: one segment alone, or each part of a concatenated message.
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def encoding_and_segments(body: str) -> tuple[str, int]:
    """("gsm7" | "ucs2", segment count); GSM extension characters (€, {, …) count twice."""
    try:
        units = len(body.encode("gsm03.38"))
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "gsm7"
    except UnicodeEncodeError:
        units = len(body.encode("utf-16-le")) // 2  # emoji and other astral characters take two
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "ucs2"
    if units <= single:
        return encoding, 1
    return encoding, math.ceil(units / part)
