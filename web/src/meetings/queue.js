// The segments on their way to the server: one request in flight at a time, in the order they were made (the
// transcript is ordered by seq and a re-posted seq is idempotent, so a retry is safe). A failed post is tried twice
// more when the failure may pass (no network, a 5xx, 408, 429); then, or at once for a refusal, `onFailed` hears it
// and the queue goes on with the next segment.

export const RETRY_DELAYS_MS = [1_000, 3_000];

/**
 * Whether a failed post may succeed when tried again. Not a segment the speech engine could not take: the server
 * kept its audio, and the same seq posted again answers the same (POST /api/meetings/retry transcribes it later).
 */
export function isRetryable(error) {
  if (error?.code === 'network_error') return true;
  if (error?.code === 'transcription_unavailable') return false;
  const status = error?.status ?? 0;
  return status >= 500 || status === 408 || status === 429;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class SegmentQueue {
  #items = [];
  #running = false;
  #drained = [];

  /**
   * `send(item)` posts one segment and resolves with the answer; `onSent(item, answer)`, `onFailed(item, error)`;
   * `onChange(size)` hears how many segments wait (the one in flight included).
   */
  constructor({ send, onSent, onFailed, onChange = () => {}, retryDelaysMs = RETRY_DELAYS_MS, sleep = wait }) {
    Object.assign(this, { send, onSent, onFailed, onChange, retryDelaysMs, sleep });
  }

  get size() {
    return this.#items.length;
  }

  push(item) {
    this.#items.push(item);
    this.onChange(this.size);
    this.#run();
  }

  /** Forgets the segments not yet in flight (the meeting is over on the server). */
  clear() {
    this.#items.splice(this.#running ? 1 : 0);
    this.onChange(this.size);
  }

  /** Resolves once every segment pushed so far was sent or given up. */
  drained() {
    if (!this.#items.length) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  async #run() {
    if (this.#running) return;
    this.#running = true;
    while (this.#items.length) {
      await this.#deliver(this.#items[0]);
      this.#items.shift();
      this.onChange(this.size);
    }
    this.#running = false;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  async #deliver(item) {
    for (let attempt = 0; ; attempt += 1) {
      let answer;
      try {
        answer = await this.send(item);
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retryDelaysMs.length) {
          this.onFailed(item, error);
          return;
        }
        await this.sleep(this.retryDelaysMs[attempt]);
        continue;
      }
      this.onSent(item, answer);
      return;
    }
  }
}
