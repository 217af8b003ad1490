"""Phone number normalization: one rule for every write and every lookup."""

import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number as Otto stores and compares it.

    `e164` is set for valid numbers and for full-length numbers in unassigned ranges
    (such as +1 555 010 xxxx); `valid` is libphonenumber's verdict; `extension` never
    appears inside `e164`; `raw` is the input exactly as received.
    """

    e164: str | None
    valid: bool
    extension: str | None
    raw: str
    cleaned: str

    @property
    def has_digits(self) -> bool:
        """Whether the input held any digit; without one no contact or lead is linked."""
        return any("0" <= char <= "9" for char in self.cleaned)

    @property
    def stored_form(self) -> str | None:
        """What a phone column holds: E.164 when there is one, else the cleaned input."""
        return self.e164 or self.cleaned or None


def normalize_phone(raw: str | int | None, default_region: str = "US") -> PhoneNumber:
    """Normalize any caller-supplied phone value; never raises on odd input."""
    raw_text = "" if raw is None else str(raw)
    cleaned = _clean(raw_text)
    unparsed = PhoneNumber(e164=None, valid=False, extension=None, raw=raw_text, cleaned=cleaned)
    if not cleaned:
        return unparsed

    try:
        parsed = phonenumbers.parse(cleaned, default_region)
    except NumberParseException:
        return unparsed

    valid = phonenumbers.is_valid_number(parsed)
    # Full-length numbers in unassigned ranges (555 test numbers) still get an E.164 form;
    # numbers that are only dialable locally (7 digits, no area code) do not.
    possible = phonenumbers.is_possible_number_with_reason(parsed) == ValidationResult.IS_POSSIBLE
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164) if valid or possible else None

    return PhoneNumber(
        e164=e164,
        valid=valid,
        extension=parsed.extension or None,
        raw=raw_text,
        cleaned=cleaned,
    )


def to_e164(raw: str | int | None, default_region: str = "US") -> str | None:
    """The E.164 form of a phone value, or None when it has none."""
    return normalize_phone(raw, default_region).e164


def _clean(text: str) -> str:
    """NFKC, every Unicode decimal digit as ASCII, no invisible characters, trimmed."""
    folded = unicodedata.normalize("NFKC", text)
    kept = []
    for char in folded:
        if unicodedata.category(char) in ("Cf", "Cc") and char not in "\t\n\r":
            continue
        digit = unicodedata.decimal(char, None)
        kept.append(str(digit) if digit is not None else char)
    return "".join(kept).strip()
