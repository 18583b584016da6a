"""A segment's audio checked and decoded (shared.meetings.audio): every accepted form, every refusal, resampling."""

from __future__ import annotations

import itertools
import math
import struct
from array import array

import pytest

from shared.errors import PayloadTooLargeError, ValidationError
from shared.meetings.audio import ACCEPTED, MAX_SEGMENT_BYTES, MAX_SEGMENT_MS, SAMPLE_RATE, decode, resample

pytestmark = pytest.mark.unit

WAV = "audio/wav"


def tone(rate: int, ms: int, *, hz: float = 440.0, level: float = 0.25) -> list[float]:
    """A sine of `hz` at `level` of full scale."""
    return [level * math.sin(2 * math.pi * hz * i / rate) for i in range(rate * ms // 1000)]


def pcm16(values: list[float]) -> array[int]:
    return array("h", [round(v * 32767) for v in values])


def riff(fmt: bytes, body: bytes, *, extra: bytes = b"", declared: int | None = None) -> bytes:
    """A RIFF/WAVE file of a format chunk, optional other chunks, and a data chunk."""
    data = b"data" + struct.pack("<I", len(body) if declared is None else declared) + body
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def fmt_chunk(code: int, channels: int, rate: int, bits: int) -> bytes:
    align = channels * bits // 8
    return struct.pack("<HHIIHH", code, channels, rate, rate * align, align, bits)


def wav16(samples: array[int], rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    return riff(fmt_chunk(1, channels, rate, 16), samples.tobytes())


def as_samples(pcm: bytes) -> array[int]:
    return array("h", pcm)


def crossings(samples: array[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


# --- what is accepted -----------------------------------------------------------------------------------------------


def test_a_16khz_mono_wav_comes_through_unchanged() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 500))

    audio = decode(wav16(samples), WAV)

    assert (audio.pcm, audio.sample_rate, audio.duration_ms) == (samples.tobytes(), SAMPLE_RATE, 500)


@pytest.mark.parametrize("content_type", ["audio/wav", "audio/x-wav", "audio/wave", "Audio/WAV; codecs=1"])
def test_every_name_of_wav_is_accepted(content_type: str) -> None:
    assert decode(wav16(pcm16(tone(SAMPLE_RATE, 100))), content_type).duration_ms == 100


def test_stereo_is_mixed_down_to_the_mean_of_its_channels() -> None:
    interleaved = array("h", [1000, 3000] * 1600 + [-4000, 2000] * 1600)

    audio = decode(wav16(interleaved, channels=2), WAV)

    assert as_samples(audio.pcm) == array("h", [2000] * 1600 + [-1000] * 1600)
    assert audio.duration_ms == 200


def test_float32_samples_from_an_audio_worklet_become_16_bit_clipped_and_nan_silent() -> None:
    floats = array("f", [0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, math.nan, math.inf] * 1600)

    audio = decode(riff(fmt_chunk(3, 1, SAMPLE_RATE, 32), floats.tobytes()), WAV)

    assert as_samples(audio.pcm)[:9] == array("h", [0, 16383, -16383, 32767, -32767, 32767, -32768, 0, 32767])


def test_wave_format_extensible_is_read_by_its_sub_format() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 100))
    # cbSize 22, valid bits, channel mask, then the sub-format GUID whose first two bytes are the format code.
    extensible = fmt_chunk(0xFFFE, 1, SAMPLE_RATE, 16) + struct.pack("<HHI", 22, 16, 4) + b"\x01\x00" + bytes(14)

    assert decode(riff(extensible, samples.tobytes()), WAV).pcm == samples.tobytes()


def test_chunks_before_the_samples_are_skipped_with_their_padding() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 100))
    listing = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd size, padded to even

    assert decode(riff(fmt_chunk(1, 1, SAMPLE_RATE, 16), samples.tobytes(), extra=listing), WAV).pcm == (
        samples.tobytes()
    )


def test_a_streamed_wav_whose_size_is_unknown_is_read_to_its_end() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 250))  # espeak-ng --stdout writes 0x7ffff000 as the data size

    assert (
        decode(riff(fmt_chunk(1, 1, SAMPLE_RATE, 16), samples.tobytes(), declared=0x7FFFF000), WAV).duration_ms == 250
    )


def test_a_trailing_partial_frame_is_dropped() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 100))

    audio = decode(riff(fmt_chunk(1, 1, SAMPLE_RATE, 16), samples.tobytes() + b"\x01"), WAV)

    assert audio.pcm == samples.tobytes()


def test_raw_l16_is_big_endian_by_default_as_rfc_2586_says() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 100))
    big = array("h", samples)
    big.byteswap()

    assert decode(big.tobytes(), "audio/L16; rate=16000").pcm == samples.tobytes()


def test_raw_l16_from_an_int16array_says_little_endian() -> None:
    samples = pcm16(tone(SAMPLE_RATE, 100))

    audio = decode(samples.tobytes(), "audio/l16;rate=16000;endianness=little-endian")

    assert audio.pcm == samples.tobytes()


def test_raw_l16_in_stereo_at_another_rate_is_mixed_down_and_resampled() -> None:
    stereo = array("h", [v for v in pcm16(tone(44_100, 1000)) for _ in range(2)])
    stereo.byteswap()

    audio = decode(stereo.tobytes(), 'audio/L16; rate="44100"; channels=2')

    assert (audio.sample_rate, audio.duration_ms) == (SAMPLE_RATE, 1000)


# --- resampling ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 24_000, 32_000, 44_100, 48_000])
def test_resampling_to_16khz_keeps_the_duration_and_the_pitch(rate: int) -> None:
    audio = decode(wav16(pcm16(tone(rate, 1000, hz=440.0)), rate=rate), WAV)

    assert audio.sample_rate == SAMPLE_RATE
    assert audio.duration_ms == 1000
    assert abs(crossings(as_samples(audio.pcm)) - 880) <= 2  # a 440 Hz sine crosses zero 880 times a second


def test_shrinking_averages_what_each_output_sample_covers() -> None:
    assert resample(array("h", [3, 6, 9, -3, -6, -9]), 48_000, 16_000) == array("h", [6, -6])
    assert resample(array("h", [0, 100]), 8_000, 16_000) == array("h", [0, 50, 100, 100])
    assert resample(array("h"), 48_000, 16_000) == array("h")


# --- what is refused ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["audio/webm;codecs=opus", "audio/ogg", "audio/mpeg", "", "text/plain"])
def test_other_formats_are_refused_naming_what_is_accepted(content_type: str) -> None:
    with pytest.raises(ValidationError) as refused:
        decode(b"\x1a\x45\xdf\xa3" + bytes(100), content_type)

    assert ACCEPTED in refused.value.message
    assert "audio/wav" in refused.value.message and "audio/L16" in refused.value.message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x1a\x45\xdf\xa3" + bytes(100), "This is WebM audio"),
        (b"OggS" + bytes(100), "This is Ogg audio"),
        (b"ID3\x04" + bytes(100), "This is MP3 audio"),
        (b"hello, this is text" * 3, "not a WAV file"),
    ],
)
def test_wav_that_is_not_wav_says_what_it_is(data: bytes, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        decode(data, WAV)


def test_truncated_wav_files_are_refused_as_cut_short() -> None:
    whole = wav16(pcm16(tone(SAMPLE_RATE, 100)))

    for cut, says in [(8, "header is incomplete"), (20, "format chunk is incomplete"), (36, "no samples")]:
        with pytest.raises(ValidationError, match=says):
            decode(whole[:cut], WAV)
    with pytest.raises(ValidationError, match="declares 3200 bytes of samples, holds 1000"):
        decode(whole[:1044], WAV)


@pytest.mark.parametrize(
    ("code", "bits", "says"),
    [(1, 24, "24-bit PCM"), (1, 8, "8-bit PCM"), (3, 64, "64-bit float"), (6, 8, "8-bit format 6")],
)
def test_other_sample_formats_are_refused(code: int, bits: int, says: str) -> None:
    with pytest.raises(ValidationError, match=f"holds {says} samples: send 16-bit PCM or 32-bit float"):
        decode(riff(fmt_chunk(code, 1, SAMPLE_RATE, bits), bytes(960)), WAV)


@pytest.mark.parametrize(
    ("channels", "rate", "says"),
    [(3, SAMPLE_RATE, "3 channels: send mono or stereo"), (1, 96_000, "96000 Hz"), (1, 4_000, "4000 Hz")],
)
def test_channels_and_rates_outside_the_range_are_refused(channels: int, rate: int, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        decode(riff(fmt_chunk(1, channels, rate, 16), bytes(6 * 100)), WAV)
    with pytest.raises(ValidationError, match=says):
        decode(bytes(6 * 100), f"audio/L16; rate={rate}; channels={channels}")


def test_an_inconsistent_header_is_refused() -> None:
    bad_align = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 4, 16)

    with pytest.raises(ValidationError, match="inconsistent"):
        decode(riff(bad_align, bytes(400)), WAV)


def test_empty_audio_is_refused() -> None:
    for content_type in (WAV, "audio/L16; rate=16000"):
        with pytest.raises(ValidationError, match="empty"):
            decode(b"", content_type)
    with pytest.raises(ValidationError, match="no samples"):
        decode(wav16(array("h")), WAV)


def test_a_segment_longer_than_the_limit_is_refused_with_its_duration() -> None:
    too_long = array("h", bytes(2 * 8_000 * (MAX_SEGMENT_MS // 1000 + 1)))  # 8 kHz keeps it under the byte cap

    with pytest.raises(ValidationError, match=r"lasts 31\.0 s: send at most 30 s at a time"):
        decode(wav16(too_long, rate=8_000), WAV)


def test_l16_needs_its_rate_whole_samples_and_a_known_byte_order() -> None:
    with pytest.raises(ValidationError, match="needs its sample rate"):
        decode(bytes(100), "audio/L16")
    with pytest.raises(ValidationError, match="needs its sample rate"):
        decode(bytes(100), "audio/L16; rate=fast")
    with pytest.raises(ValidationError, match="ends inside a sample"):
        decode(bytes(101), "audio/L16; rate=16000")
    with pytest.raises(ValidationError, match="endianness"):
        decode(bytes(100), "audio/L16; rate=16000; endianness=middle")


def test_more_than_the_size_cap_is_too_large() -> None:
    with pytest.raises(PayloadTooLargeError):
        decode(bytes(MAX_SEGMENT_BYTES + 1), WAV)
