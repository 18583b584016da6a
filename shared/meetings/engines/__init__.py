"""The speech engine the settings choose (`STUDIO_SPEECH_ENGINE`): offline, Amazon Transcribe, or none.

    local        PocketSphinx with the model its wheel ships: no account, no download (the default locally)
    transcribe   Amazon Transcribe Streaming, one stream per segment (the default in the cloud)
    off          every segment raises SpeechUnavailableError: the meeting shows an error and keeps the audio

An engine is cheap to make: what is costly (the recognizer's model, the SDK) is loaded on first use and kept by
the engine's module, so `engine(settings)` may be called per request. Neither engine's library is imported until
then, so the API's cold start does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.constants import Env
from shared.meetings.speech import Audio, Engine, Phrase, SpeechUnavailableError

if TYPE_CHECKING:
    from shared.settings import Settings


class OffEngine:
    """Transcription turned off: every segment fails, and keeps its audio for a retry once an engine is chosen."""

    name = "off"

    def transcribe(self, audio: Audio, *, language: str = "en-US") -> list[Phrase]:
        raise SpeechUnavailableError(f"transcription is turned off ({Env.SPEECH_ENGINE}=off)")


def engine(settings: Settings) -> Engine:
    """The engine `settings` choose."""
    match settings.speech_engine_name:
        case "local":
            from shared.meetings.engines.local import LocalEngine  # imported when chosen: the API starts without it

            return LocalEngine()
        case "transcribe":
            from shared.meetings.engines.transcribe import TranscribeEngine  # botocore, imported when chosen

            return TranscribeEngine(region=settings.region, endpoint_url=settings.transcribe_streaming_endpoint)
        case _:
            return OffEngine()
