// The audio thread's half of meeting capture (loaded with audioWorklet.addModule): the microphone's frames mixed to
// mono, downsampled to 16 kHz, kept as 16-bit PCM and handed to the page in segments of `segmentSeconds`; the input's
// RMS level every `levelIntervalMs`. The page says `{ type: 'flush' }` when it stops: the partial segment is sent
// with `final: true`, then `{ type: 'flushed' }`, and the processor ends.
//
// Messages to the page: { type: 'level', rms } · { type: 'segment', samples: Int16Array, startSample, final } ·
// { type: 'flushed', totalSamples }. `startSample` counts 16 kHz samples from the start of the capture.
/* global sampleRate, registerProcessor, AudioWorkletProcessor */

const TARGET_RATE = 16_000;

/** Int16 from a float in [-1, 1] (clipped). */
function toInt16(value) {
  const clipped = Math.max(-1, Math.min(1, value));
  return clipped < 0 ? Math.round(clipped * 0x8000) : Math.round(clipped * 0x7fff);
}

class SegmentRecorder extends AudioWorkletProcessor {
  constructor({ processorOptions = {} } = {}) {
    super();
    this.segmentLength = Math.round((processorOptions.segmentSeconds ?? 5) * TARGET_RATE);
    this.levelEvery = Math.max(128, Math.round((sampleRate * (processorOptions.levelIntervalMs ?? 100)) / 1000));
    // Downsampling averages the input frames that fall within each output sample (a box filter: cheap, and enough
    // against aliasing for speech); a ratio below 1 (a rare input under 16 kHz) repeats samples instead.
    this.ratio = sampleRate / TARGET_RATE;
    this.position = 0; // input frames seen
    this.boundary = this.ratio; // where the next output sample ends, in input frames
    this.sum = 0;
    this.count = 0;
    this.last = 0;
    this.buffer = new Int16Array(this.segmentLength);
    this.filled = 0;
    this.sent = 0; // output samples handed over in earlier segments
    this.levelSum = 0;
    this.levelCount = 0;
    this.done = false;
    this.port.onmessage = (event) => event.data?.type === 'flush' && this.flush();
  }

  process(inputs) {
    if (this.done) return false;
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // nothing connected (yet, or any more)
    const frames = channels[0].length;
    for (let i = 0; i < frames; i += 1) {
      let value = 0;
      for (const channel of channels) value += channel[i];
      value /= channels.length;
      this.levelSum += value * value;
      this.levelCount += 1;
      this.sum += value;
      this.count += 1;
      this.position += 1;
      while (this.position >= this.boundary) {
        if (this.count) this.last = this.sum / this.count;
        this.sum = 0;
        this.count = 0;
        this.boundary += this.ratio;
        this.push(this.last);
      }
    }
    if (this.levelCount >= this.levelEvery) {
      this.port.postMessage({ type: 'level', rms: Math.sqrt(this.levelSum / this.levelCount) });
      this.levelSum = 0;
      this.levelCount = 0;
    }
    return true;
  }

  push(value) {
    this.buffer[this.filled] = toInt16(value);
    this.filled += 1;
    if (this.filled === this.segmentLength) this.emit(false);
  }

  emit(final) {
    const samples = this.buffer.slice(0, this.filled);
    this.port.postMessage({ type: 'segment', samples, startSample: this.sent, final }, [samples.buffer]);
    this.sent += this.filled;
    this.filled = 0;
  }

  flush() {
    if (this.done) return;
    this.emit(true);
    this.done = true;
    this.port.postMessage({ type: 'flushed', totalSamples: this.sent });
  }
}

registerProcessor('segment-recorder', SegmentRecorder);
