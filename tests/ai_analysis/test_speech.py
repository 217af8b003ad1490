"""Transcription of the fixture clip offline, and through a stub of OpenAI's whisper-1 API."""

import pytest

from ai.analysis import analyze_transcript
from ai.speech import TranscriptionError, transcribe, transcribe_local
from bench.transcription_wer import word_error_rate


@pytest.fixture(scope="module")
def roofing_clip(audio_dir):
    return transcribe_local(audio_dir / "roofing_followup_tts.wav")


def test_offline_transcription_is_close_to_the_script(roofing_clip, audio_dir):
    script = (audio_dir / "roofing_followup_tts.txt").read_text()

    assert word_error_rate(script, roofing_clip.text) <= 0.35
    assert roofing_clip.metadata["provider"] == "local"
    assert 0 < roofing_clip.confidence <= 1


def test_segments_carry_times_and_no_guessed_speakers(roofing_clip):
    turns = roofing_clip.turns

    assert all(turn.speaker is None for turn in turns)
    assert turns[0].start == 0.0
    assert all(turn.start < turn.end for turn in turns)
    assert turns[-1].end == pytest.approx(41.0, abs=1.5)


def test_analysis_of_the_transcription_finds_price_and_spouse(roofing_clip, embedder):
    analysis = analyze_transcript(roofing_clip, embedder=embedder)

    found = {o["category_text"]: o for o in analysis["objections"]["objections"]}
    assert "price is higher" in found["Price/Budget"]["objection_text"]
    assert "talk to my wife" in found["Decision Authority"]["objection_text"]
    assert found["Price/Budget"]["start"] is not None


def test_missing_and_unreadable_audio_are_clear_errors(tmp_path):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not a wav file")

    with pytest.raises(TranscriptionError, match="not found"):
        transcribe(tmp_path / "missing.wav", environ={})
    with pytest.raises(TranscriptionError, match="cannot transcribe notes.wav"):
        transcribe(not_audio, environ={})


def test_whisper_api_segments_become_turns(openai_stub, audio_dir):
    openai_stub.reply(
        {
            "text": "Hi, this is Sam. The price is higher than we expected.",
            "duration": 6.5,
            "segments": [
                {"id": 0, "start": 0.0, "end": 2.1, "text": " Hi, this is Sam."},
                {
                    "id": 1,
                    "start": 2.1,
                    "end": 6.5,
                    "text": " The price is higher than we expected.",
                },
            ],
        }
    )
    environ = {"OPENAI_API_KEY": "sk-test-0000", "OPENAI_BASE_URL": openai_stub.base_url}
    usages = []

    transcript = transcribe(
        audio_dir / "roofing_followup_tts.wav", environ=environ, on_usage=usages.append
    )

    assert [(t.speaker, t.text, t.start, t.end) for t in transcript.turns] == [
        (None, "Hi, this is Sam.", 0.0, 2.1),
        (None, "The price is higher than we expected.", 2.1, 6.5),
    ]
    assert transcript.metadata["provider"] == "openai"
    request = openai_stub.requests[0]
    assert request["path"] == "/v1/audio/transcriptions"
    assert request["content_type"].startswith("multipart/form-data")
    assert [(u.model, u.success) for u in usages] == [("whisper-1", True)]


def test_whisper_api_failure_falls_back_to_local(openai_stub, audio_dir):
    openai_stub.reply({"error": {"message": "bad key"}}, status=401)
    environ = {"OPENAI_API_KEY": "sk-test-0000", "OPENAI_BASE_URL": openai_stub.base_url}

    transcript = transcribe(audio_dir / "roofing_followup_tts.wav", environ=environ)

    assert transcript.metadata["provider"] == "local"
    assert "401" in transcript.metadata["fallback_reason"]
    assert "price is higher" in transcript.text
