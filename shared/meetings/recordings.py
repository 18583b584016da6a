"""Audio kept for a retry: a segment the speech engine could not transcribe waits in the workspace bucket.

    meetings/<meeting_id>/audio/<seq>.wav     16-bit mono PCM as a WAV file, whatever the client sent

Only failed segments are kept; a transcribed segment's audio is never stored, and a retry that succeeds deletes
the file. Deleting a meeting deletes its folder.
"""

from __future__ import annotations

from shared import aws
from shared.constants import MEETINGS_PREFIX
from shared.meetings.audio import encode_wav
from shared.meetings.speech import Audio
from shared.settings import get_settings

WAV = "audio/wav"


def folder(meeting_id: str) -> str:
    return f"{MEETINGS_PREFIX}{meeting_id}/"


def key_for(meeting_id: str, seq: int) -> str:
    return f"{folder(meeting_id)}audio/{seq}.wav"


def keep(meeting_id: str, seq: int, audio: Audio) -> str:
    """Store the segment's audio for a retry; its key."""
    key = key_for(meeting_id, seq)
    aws.client("s3").put_object(Bucket=_bucket(), Key=key, Body=encode_wav(audio), ContentType=WAV)
    return key


def read(key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()


def forget(key: str) -> None:
    aws.client("s3").delete_object(Bucket=_bucket(), Key=key)


def delete_for_meeting(meeting_id: str) -> int:
    return aws.delete_prefix(_bucket(), folder(meeting_id))


def _bucket() -> str:
    return get_settings().workspace_bucket
