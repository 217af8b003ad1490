"""Phone normalization against the 34 reference cases and odd caller-ID values."""

import json
from pathlib import Path

import pytest

from otto.phones import normalize_phone, to_e164

CASES_FILE = Path(__file__).parents[1] / "fixtures" / "phones" / "phone_normalization_cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]

# Invalid numbers that are still full-length and possible keep an E.164 form.
POSSIBLE_BUT_INVALID = {"+1 555 010 0101": "+15550100101"}


def test_reference_file_has_all_cases():
    assert len(CASES) == 34


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_reference_case(case):
    phone = normalize_phone(case["input"])

    if case["expected"] == "invalid":
        assert phone.valid is False
        assert phone.e164 == POSSIBLE_BUT_INVALID.get(case["input"])
    else:
        assert phone.valid is True
        assert phone.e164 == case["expected"]
    assert phone.extension == case.get("extension")
    assert phone.raw == case["input"]
    assert to_e164(case["input"]) == phone.e164


def test_local_only_number_has_no_e164_though_libphonenumber_calls_it_possible():
    phone = normalize_phone("555-0132")

    assert phone.e164 is None
    assert phone.valid is False
    assert phone.stored_form == "555-0132"
    assert phone.has_digits


def test_formatting_variants_are_one_number():
    assert to_e164("+1 (555) 010-0111") == to_e164("+15550100111") == "+15550100111"


def test_extension_is_kept_apart_from_e164():
    phone = normalize_phone("tel:+1-415-555-0132;ext=9")

    assert phone.e164 == "+14155550132"
    assert phone.extension == "9"


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "anonymous", "Restricted", "+266696687", "\u200b", "x", 0, "1" * 400]
)
def test_odd_caller_ids_never_raise_and_have_no_e164(raw):
    phone = normalize_phone(raw)

    assert phone.e164 is None
    assert phone.valid is False


def test_stored_form_falls_back_to_cleaned_input_and_digits_decide_linking():
    anonymous = normalize_phone("  Anonymous ")
    blank = normalize_phone("   ")
    short_code = normalize_phone("\uff11\uff12\uff13\uff14\uff15")

    assert anonymous.stored_form == "Anonymous"
    assert not anonymous.has_digits
    assert blank.stored_form is None
    assert short_code.stored_form == "12345"
    assert short_code.has_digits


def test_other_default_region():
    assert to_e164("020 7946 0958", default_region="GB") == "+442079460958"
