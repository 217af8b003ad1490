"""Reading transcripts from fixture JSON and plain text."""

import json

import pytest

from ai.transcript import (
    TranscriptError,
    load_transcript,
    transcript_from_dict,
    transcript_from_text,
)


def test_fixture_json_keeps_speakers_and_times(transcripts_dir):
    transcript = load_transcript(transcripts_dir / "hvac_inhome_replacement_consult.json")

    assert len(transcript.turns) == 131
    assert transcript.turns[1].speaker == "rep"
    assert transcript.turns[1].start == 12.8 and transcript.turns[1].end == 19.36
    assert transcript.speakers_known
    assert transcript.metadata["speakers"] == ["rep", "customer"]


def test_fixture_without_times_reads_as_none(transcripts_dir):
    transcript = load_transcript(transcripts_dir / "plumbing_afterhours_answering_service.json")

    assert transcript.turns[1].speaker == "csr"
    assert transcript.turns[1].start is None and transcript.turns[1].end is None


def test_plain_text_role_labels_set_the_speaker():
    transcript = transcript_from_text(
        "Rep: Hi there.\n\nHomeowner: Hello.\nCSR: Thanks for calling."
    )

    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [
        ("rep", "Hi there."),
        ("customer", "Hello."),
        ("csr", "Thanks for calling."),
    ]


def test_unlabelled_and_anonymous_lines_have_unknown_speakers():
    transcript = transcript_from_text("Speaker A: Hi.\nNote: the roof leaks.\nJust words")

    assert [turn.speaker for turn in transcript.turns] == [None, None, None]
    assert [turn.text for turn in transcript.turns] == [
        "Hi.",
        "Note: the roof leaks.",
        "Just words",
    ]
    assert not transcript.speakers_known


@pytest.mark.parametrize(
    "data, message",
    [
        ({"turns": "hello"}, "needs a 'turns' list"),
        ({"turns": [{"speaker": "rep"}]}, "turn 0 needs a 'text' string"),
        ({"turns": [{"text": "hi", "start": "soon"}]}, "must be a number of seconds"),
        ({"turns": [{"text": "  "}]}, "no spoken text"),
        (["not", "an", "object"], "must be an object"),
    ],
)
def test_malformed_json_is_a_clear_error(data, message):
    with pytest.raises(TranscriptError, match=message):
        transcript_from_dict(data)


def test_unreadable_files_are_clear_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")

    with pytest.raises(TranscriptError, match="not valid JSON"):
        load_transcript(broken)
    with pytest.raises(TranscriptError, match="cannot read"):
        load_transcript(tmp_path / "missing.txt")


def test_json_round_trip_of_a_small_call(tmp_path):
    path = tmp_path / "call.json"
    path.write_text(
        json.dumps({"turns": [{"speaker": "Customer", "text": "Hi", "start": 0, "end": 1}]})
    )

    turn = load_transcript(path).turns[0]

    assert (turn.speaker, turn.text, turn.start, turn.end) == ("customer", "Hi", 0.0, 1.0)
