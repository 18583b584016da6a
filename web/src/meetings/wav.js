// WAV files for transcript segments: 16-bit little-endian PCM, mono, behind the canonical 44-byte RIFF header.

export const SAMPLE_RATE = 16_000;
const HEADER_BYTES = 44;

/** A `audio/wav` Blob holding `samples` (an Int16Array) at `sampleRate`, mono. */
export function encodeWav(samples, sampleRate = SAMPLE_RATE) {
  const dataBytes = samples.length * 2;
  const buffer = new ArrayBuffer(HEADER_BYTES + dataBytes);
  const view = new DataView(buffer);
  const ascii = (offset, text) => [...text].forEach((char, i) => view.setUint8(offset + i, char.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true); // the size of everything after this field
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // one channel
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  samples.forEach((sample, i) => view.setInt16(HEADER_BYTES + i * 2, sample, true));
  return new Blob([buffer], { type: 'audio/wav' });
}

/** How long `sampleCount` samples at `sampleRate` last, in whole milliseconds. */
export function samplesToMs(sampleCount, sampleRate = SAMPLE_RATE) {
  return Math.round((sampleCount * 1000) / sampleRate);
}
