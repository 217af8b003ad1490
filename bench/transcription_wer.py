"""Word error rate and real-time factor of offline transcription on the fixture clip.

Run: .venv/bin/python -m bench.transcription_wer [audio.wav reference.txt]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import jiwer

from ai.speech import transcribe_local

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio"
DEFAULT_AUDIO = FIXTURES / "roofing_followup_tts.wav"
DEFAULT_REFERENCE = FIXTURES / "roofing_followup_tts.txt"

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(number: int) -> str:
    """English words for 0–9999, the range spoken prices, terms and times need."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def normalize(text: str) -> str:
    """Lower case, digits and % spelled out, hyphens split, other punctuation dropped."""
    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"\d{1,4}", lambda match: f" {number_words(int(match.group()))} ", text)
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalize(reference), normalize(hypothesis))


def measure(audio: Path = DEFAULT_AUDIO, reference: Path = DEFAULT_REFERENCE) -> dict:
    started = time.perf_counter()
    transcript = transcribe_local(audio)
    elapsed = time.perf_counter() - started
    audio_seconds = transcript.metadata["audio_seconds"]
    return {
        "wer": word_error_rate(reference.read_text(encoding="utf-8"), transcript.text),
        "audio_seconds": audio_seconds,
        "processing_seconds": elapsed,
        "real_time_factor": elapsed / audio_seconds,
        "hypothesis": transcript.text,
    }


def main() -> None:
    paths = [Path(argument) for argument in sys.argv[1:3]]
    figures = measure(*paths)
    print(
        f"audio {figures['audio_seconds']:.1f} s, "
        f"transcribed in {figures['processing_seconds']:.1f} s (first call includes model load)"
    )
    print(f"WER {figures['wer']:.3f}  real-time factor {figures['real_time_factor']:.3f}")
    warm = measure(*paths)
    print(
        f"warm run: {warm['processing_seconds']:.1f} s, real-time factor "
        f"{warm['real_time_factor']:.3f}"
    )
    print("hypothesis:", figures["hypothesis"].replace("\n", " / "))


if __name__ == "__main__":
    main()
