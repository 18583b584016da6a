"""A segment's audio as the client sent it, checked and decoded to the engines' one format: 16 kHz mono 16-bit PCM.

Accepted, and nothing else (a browser's MediaRecorder WebM/Opus, Ogg and MP3 are refused by name):

    audio/wav (audio/wave, audio/x-wav)   RIFF/WAVE: 16-bit PCM or 32-bit IEEE float (what an AudioWorklet
                                          produces), also as WAVE_FORMAT_EXTENSIBLE; mono, or stereo mixed down
    audio/L16; rate=N[; channels=2]       raw 16-bit PCM (RFC 2586): big-endian unless `endianness=little-endian`
                                          (the parameter IBM's speech API takes), which is what an Int16Array holds

Any rate from 8 to 48 kHz is resampled to 16 kHz: area-averaging when shrinking (each output sample the mean of
the input samples it covers, a cheap low-pass; plain linear interpolation aliases, and the offline recognizer
then misses noticeably more words), linear interpolation when growing. Pure Python on the array
module (no numpy in the Lambda layer): about 4 ms per second of 48 kHz 16-bit audio, 10 ms for float samples.
"""

from __future__ import annotations

import io
import itertools
import struct
import sys
import wave
from array import array

from shared.errors import PayloadTooLargeError, ValidationError
from shared.meetings.speech import Audio

SAMPLE_RATE = 16_000  # Hz: what every engine gets
MIN_RATE, MAX_RATE = 8_000, 48_000
MAX_SEGMENT_MS = 30_000
# 10 s of 48 kHz float32 mono fits, and 30 s of 16 kHz 16-bit; a route answers 413 above it.
MAX_SEGMENT_BYTES = 2 * 1024 * 1024

ACCEPTED = (
    "audio/wav (16-bit PCM or 32-bit float, mono or stereo, 8 to 48 kHz) or raw audio/L16 with its rate "
    "(e.g. audio/L16; rate=16000)"
)
WAV_TYPES = frozenset({"audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"})
L16_TYPE = "audio/l16"

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
# A writer that streams (espeak-ng --stdout, some recorders) cannot know the size up front and writes one of these.
_STREAMING_SIZES = (0xFFFFFFFF, 0x7FFFF000)
_MAGIC = ((b"\x1a\x45\xdf\xa3", "WebM"), (b"OggS", "Ogg"), (b"ID3", "MP3"), (b"fLaC", "FLAC"), (b"\xff\xfb", "MP3"))


def encode_wav(audio: Audio) -> bytes:
    """`audio` as a WAV file (16-bit mono PCM): how kept segments are stored, and what `decode` reads back."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(audio.sample_rate)
        out.writeframes(audio.pcm)
    return buffer.getvalue()


def decode(data: bytes, content_type: str) -> Audio:
    """`data` of `content_type` as 16 kHz mono PCM; ValidationError saying what is wrong and what is accepted."""
    if len(data) > MAX_SEGMENT_BYTES:
        raise PayloadTooLargeError(f"An audio segment may be at most {MAX_SEGMENT_BYTES // 1024} KB.")
    if not data:
        raise ValidationError("The audio segment is empty.")
    media_type, params = _parse_content_type(content_type)
    if media_type in WAV_TYPES:
        samples, rate = _wav(data)
    elif media_type == L16_TYPE:
        samples, rate = _l16(data, params)
    else:
        shown = media_type or "no content type"
        raise ValidationError(f"Audio sent as {shown} is not accepted: send {ACCEPTED}.")
    return Audio(pcm=_bytes_le(resample(samples, rate, SAMPLE_RATE)), sample_rate=SAMPLE_RATE)


def resample(samples: array[int], source_rate: int, target_rate: int) -> array[int]:
    """16-bit samples at `source_rate` as the same stretch of time at `target_rate`."""
    if source_rate == target_rate or not samples:
        return samples
    count = len(samples) * target_rate // source_rate
    if source_rate > target_rate:
        sums = [0, *itertools.accumulate(samples)]
        bounds = [i * source_rate // target_rate for i in range(count + 1)]  # each span holds one sample at least
        return array("h", [(sums[b] - sums[a]) // (b - a) for a, b in itertools.pairwise(bounds)])
    last = len(samples) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        j, rest = divmod(i * source_rate, target_rate)
        here = samples[j]
        out[i] = here + (samples[min(j + 1, last)] - here) * rest // target_rate
    return out


def _parse_content_type(content_type: str) -> tuple[str, dict[str, str]]:
    media_type, *parts = content_type.split(";")
    params = {}
    for part in parts:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"').lower()
    return media_type.strip().lower(), params


def _wav(data: bytes) -> tuple[array[int], int]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _not_wav(data)
    fmt: bytes | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset : offset + 4], int.from_bytes(data[offset + 4 : offset + 8], "little")
        body = offset + 8
        if chunk_id == b"fmt ":
            fmt = data[body : body + size]
            if len(fmt) < max(size, 16):
                raise ValidationError("The WAV file is cut short: its format chunk is incomplete.")
        elif chunk_id == b"data":
            if fmt is None:
                raise ValidationError("The WAV file has its samples before its format (no 'fmt ' chunk first).")
            return _wav_samples(fmt, data[body:], size)
        offset = body + size + (size & 1)  # chunks are padded to an even length
    if fmt is None:
        raise ValidationError("The WAV file is cut short: its header ends before the format ('fmt ' chunk).")
    raise ValidationError("The WAV file is cut short: it has no samples ('data' chunk).")


def _wav_samples(fmt: bytes, rest: bytes, size: int) -> tuple[array[int], int]:
    code, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if code == _EXTENSIBLE and len(fmt) >= 26:
        code = int.from_bytes(fmt[24:26], "little")  # the sub-format GUID starts with the plain format code
    if not ((code == _PCM and bits == 16) or (code == _FLOAT and bits == 32)):
        kind = {_PCM: "PCM", _FLOAT: "float"}.get(code, f"format {code}")
        raise ValidationError(f"This WAV file holds {bits}-bit {kind} samples: send 16-bit PCM or 32-bit float.")
    width = bits // 8
    _check_shape(channels, rate)
    if block_align != channels * width:
        raise ValidationError("The WAV file's header is inconsistent (its frame size does not match its format).")
    if size in _STREAMING_SIZES and size > len(rest):
        size = len(rest)
    if size > len(rest):
        raise ValidationError(f"The WAV file is cut short: it declares {size} bytes of samples, holds {len(rest)}.")
    frames = size // block_align  # a trailing partial frame is dropped
    _check_duration(frames, rate)
    raw = rest[: frames * block_align]
    samples = _floats_to_pcm(raw) if code == _FLOAT else _pcm(raw, "little")
    return _mono(samples, channels), rate


def _l16(data: bytes, params: dict[str, str]) -> tuple[array[int], int]:
    try:
        rate = int(params["rate"])
        channels = int(params.get("channels", "1"))
    except (KeyError, ValueError):
        raise ValidationError("audio/L16 needs its sample rate, e.g. audio/L16; rate=16000.") from None
    order = params.get("endianness", "big-endian")
    if order not in ("big-endian", "little-endian"):
        raise ValidationError("audio/L16's endianness is big-endian (the default) or little-endian.")
    _check_shape(channels, rate)
    if len(data) % (2 * channels):
        raise ValidationError("The audio/L16 data is cut short: it ends inside a sample.")
    _check_duration(len(data) // (2 * channels), rate)
    return _mono(_pcm(data, "big" if order == "big-endian" else "little"), channels), rate


def _check_shape(channels: int, rate: int) -> None:
    if channels not in (1, 2):
        raise ValidationError(f"The audio has {channels} channels: send mono or stereo.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValidationError(f"The audio's sample rate is {rate} Hz: send between {MIN_RATE} and {MAX_RATE} Hz.")


def _check_duration(frames: int, rate: int) -> None:
    if frames == 0:
        raise ValidationError("The audio segment holds no samples.")
    if frames * 1000 > MAX_SEGMENT_MS * rate:
        raise ValidationError(
            f"The audio segment lasts {frames / rate:.1f} s: send at most {MAX_SEGMENT_MS // 1000} s at a time."
        )


def _pcm(raw: bytes, order: str) -> array[int]:
    samples = array("h", raw)
    if order != sys.byteorder:
        samples.byteswap()
    return samples


def _floats_to_pcm(raw: bytes) -> array[int]:
    floats = array("f", raw)
    if sys.byteorder != "little":
        floats.byteswap()
    # Clipped to 16 bits; NaN fails every comparison and becomes silence.
    return array(
        "h",
        [
            int(v) if -32768.0 < v < 32767.0 else 32767 if v >= 32767.0 else -32768 if v <= -32768.0 else 0
            for v in (x * 32767.0 for x in floats)
        ],
    )


def _mono(samples: array[int], channels: int) -> array[int]:
    if channels == 1:
        return samples
    return array("h", [(left + right) >> 1 for left, right in zip(samples[0::2], samples[1::2], strict=True)])


def _bytes_le(samples: array[int]) -> bytes:
    if sys.byteorder != "little":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _not_wav(data: bytes) -> ValidationError:
    """The refusal of bytes sent as WAV that are not: a browser's WebM recording is the usual mistake."""
    if len(data) < 12 and b"RIFF".startswith(data[:4]):
        return ValidationError("The WAV file is cut short: its header is incomplete.")
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return ValidationError(f"This is {name} audio, which is not accepted: send {ACCEPTED}.")
    return ValidationError(f"This is not a WAV file (no RIFF/WAVE header): send {ACCEPTED}.")
