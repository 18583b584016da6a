// The page's half of meeting capture: the microphone (and why it cannot be had), and a Recorder running the
// segment worklet (recorder-worklet.js) on an AudioContext at the device's own rate.
import { SAMPLE_RATE, encodeWav, samplesToMs } from './wav.js';

const WORKLET_URL = new URL('./recorder-worklet.js', import.meta.url);
const FLUSH_TIMEOUT_MS = 2_000;
const MIN_FINAL_SAMPLES = SAMPLE_RATE / 4; // a last segment shorter than 250 ms holds no speech worth sending

const TYPE_NOTES = 'or type notes below.';
export const MIC_MESSAGES = {
  denied: `Sasha Studio can't use your microphone: allow it in the browser's site settings, ${TYPE_NOTES}`,
  missing: `Sasha Studio can't find a microphone: connect one and start again, ${TYPE_NOTES}`,
  busy: `Sasha Studio can't use your microphone: another app is using it. Close that app and start again, ${TYPE_NOTES}`,
  unavailable: `Sasha Studio can't record in this browser (it needs a secure https:// page and a recent browser): type notes below.`,
};

/** Why the microphone cannot be had; `kind` is one of MIC_MESSAGES' keys, the message says what to do. */
export class MicrophoneError extends Error {
  constructor(kind, cause) {
    super(MIC_MESSAGES[kind], { cause });
    this.name = 'MicrophoneError';
    this.kind = kind;
  }
}

/** The kind of problem behind a getUserMedia (or audio graph) failure. */
export function microphoneProblem(error) {
  const name = error?.name || '';
  if (['NotAllowedError', 'SecurityError', 'PermissionDeniedError'].includes(name)) return 'denied';
  if (['NotFoundError', 'OverconstrainedError', 'DevicesNotFoundError'].includes(name)) return 'missing';
  if (['NotReadableError', 'TrackStartError', 'AbortError'].includes(name)) return 'busy';
  return 'unavailable';
}

/** The microphone's stream; rejects with a MicrophoneError when it cannot be had. */
export async function openMicrophone() {
  if (!navigator.mediaDevices?.getUserMedia) throw new MicrophoneError('unavailable');
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    throw new MicrophoneError(microphoneProblem(error), error);
  }
}

export function closeMicrophone(stream) {
  for (const track of stream?.getTracks() || []) track.stop();
}

/**
 * Runs the worklet on `stream`. `onSegment({ blob, startMs, endMs })` gets each WAV segment in order (the last, partial
 * one on stop); `onLevel(rms)` the input level; `onEnded()` hears a microphone that went away (unplugged, revoked).
 */
export class Recorder {
  #context = null;
  #node = null;
  #stream = null;
  #flushed = null;
  #handlers;

  constructor({ onSegment, onLevel = () => {}, onEnded = () => {}, segmentSeconds = 5 }) {
    this.#handlers = { onSegment, onLevel, onEnded };
    this.segmentSeconds = segmentSeconds;
  }

  async start(stream) {
    this.#stream = stream;
    const context = new AudioContext();
    this.#context = context;
    try {
      await context.audioWorklet.addModule(WORKLET_URL);
      const node = new AudioWorkletNode(context, 'segment-recorder', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { segmentSeconds: this.segmentSeconds, levelIntervalMs: 80 },
      });
      node.port.onmessage = (event) => this.#onMessage(event.data);
      context.createMediaStreamSource(stream).connect(node);
      node.connect(context.destination); // it only writes silence; being connected keeps every browser pulling it
      this.#node = node;
      if (context.state === 'suspended') await context.resume();
    } catch (error) {
      await this.#close();
      throw error;
    }
    for (const track of stream.getAudioTracks()) track.addEventListener('ended', () => this.#handlers.onEnded());
  }

  /** Sends the last partial segment, then lets go of the microphone and the audio context. */
  async stop() {
    if (this.#node) {
      const flushed = new Promise((resolve) => (this.#flushed = resolve));
      this.#node.port.postMessage({ type: 'flush' });
      await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, FLUSH_TIMEOUT_MS))]);
    }
    await this.#close();
  }

  #onMessage(message) {
    if (message?.type === 'level') this.#handlers.onLevel(message.rms);
    else if (message?.type === 'segment') this.#onSegment(message);
    else if (message?.type === 'flushed') this.#flushed?.();
  }

  #onSegment({ samples, startSample, final }) {
    if (final && samples.length < MIN_FINAL_SAMPLES) return;
    const startMs = samplesToMs(startSample);
    this.#handlers.onSegment({ blob: encodeWav(samples), startMs, endMs: startMs + samplesToMs(samples.length) });
  }

  async #close() {
    this.#node?.disconnect();
    this.#node = null;
    closeMicrophone(this.#stream);
    this.#stream = null;
    const context = this.#context;
    this.#context = null;
    if (context && context.state !== 'closed') await context.close().catch(() => {});
  }
}
