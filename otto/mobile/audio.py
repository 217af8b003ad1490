"""Audio uploads from the rep app: the size limit and recognising the format from the bytes."""

import filetype
from filetype.types import audio, video

MAX_AUDIO_BYTES = 200 * 1024 * 1024
ACCEPTED_FORMATS = "WAV, MP3, M4A/MP4, AAC, OGG/Opus, WebM or FLAC"
_MATCHERS = (audio.Wav(), audio.Mp3(), audio.M4a(), video.Mp4(), audio.Aac(), audio.Ogg(),
             video.Webm(), audio.Flac())


def audio_extension(head: bytes) -> str | None:
    """The file extension of a recognised audio format (from its first bytes), else None."""
    kind = filetype.match(head, matchers=_MATCHERS)
    return kind.extension if kind is not None else None
