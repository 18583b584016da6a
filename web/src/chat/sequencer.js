// Session events in `seq` order, each exactly once, whatever the network did to them.
//
// Every session event carries a per-session, strictly increasing `seq`. The sequencer releases events in that
// order, drops any it has already released or is holding, and holds the ones that come after a gap. A gap asks
// for a replay (session.resume from the last contiguous seq). A `seq.skipped` event stands for the numbers from
// its seq to its `through` that hold no event (a runner turn takes numbers in blocks and declares the ones it did
// not use); it fills them and is not passed on. While a runner turn streams (the replay says `streaming`), a
// missing number may still come, live or logged a moment later, so the sequencer waits for it: it asks again only
// when an event arrives without filling anything. Otherwise, if the replay cannot fill the gap twice in a row (the
// log no longer has those events), the held events are released across the gap rather than held for ever.

const MAX_REPLAYS_PER_GAP = 2;
const SKIPPED = 'seq.skipped';

export class Sequencer {
  #last = new Map(); // sessionId → last released seq
  #held = new Map(); // sessionId → Map(seq → event)
  #replays = new Map(); // sessionId → replays asked for the current gap
  #resuming = new Set(); // sessions with a replay in flight
  #waiting = new Set(); // sessions whose gap a streaming turn may still fill
  #resume;

  /** `resume(sessionId, lastSeq)` asks the server for the events after lastSeq (session.resume); false if it could not. */
  constructor(resume) {
    this.#resume = resume;
  }

  /** The last seq released for a session (0 when none). */
  lastSeq(sessionId) {
    return this.#last.get(sessionId) ?? 0;
  }

  /** Starts (or restarts) a session from `lastSeq`: events up to it count as seen; held ones are forgotten. */
  reset(sessionId, lastSeq = 0) {
    this.#last.set(sessionId, lastSeq);
    this.#held.delete(sessionId);
    this.#replays.delete(sessionId);
    this.#resuming.delete(sessionId);
    this.#waiting.delete(sessionId);
  }

  /** Asks for everything after the last released seq (after a reconnect, or to follow the session). */
  resume(sessionId) {
    if (this.#resume(sessionId, this.lastSeq(sessionId))) this.#resuming.add(sessionId);
  }

  /** The events `event` releases, in order: none for a duplicate or an event after a gap, several when it fills one. */
  accept(event) {
    const { sessionId, seq } = event;
    if (event.type === 'session.resumed' && sessionId) return this.#resumed(event);
    if (!sessionId || typeof seq !== 'number') return [event];
    const held = this.#held.get(sessionId) ?? new Map();
    if (seq <= this.lastSeq(sessionId) || held.has(seq)) return [];
    held.set(seq, event);
    this.#held.set(sessionId, held);
    const released = this.#release(sessionId);
    if (released.length) this.#replays.delete(sessionId);
    if (!held.size) this.#waiting.delete(sessionId);
    const patient = this.#waiting.has(sessionId) && released.length;
    if (held.size && !patient && !this.#resuming.has(sessionId)) this.#askReplay(sessionId);
    return released.filter((e) => e.type !== SKIPPED);
  }

  /** Releases the held events that follow the last released one without a gap. */
  #release(sessionId) {
    const held = this.#held.get(sessionId);
    let last = this.lastSeq(sessionId);
    const released = [];
    while (held.has(last + 1)) {
      const event = held.get(last + 1);
      held.delete(last + 1);
      last = Math.max(last + 1, event.through ?? 0);
      released.push(event);
    }
    for (const seq of held.keys()) if (seq <= last) held.delete(seq); // inside a skipped range
    this.#last.set(sessionId, last);
    return released;
  }

  #resumed(event) {
    const { sessionId } = event;
    this.#resuming.delete(sessionId);
    const held = this.#held.get(sessionId);
    if (!held?.size) {
      this.#waiting.delete(sessionId);
      return [event];
    }
    if (event.streaming) {
      // The turn's stream may still send or log the missing events: wait for them, without counting this replay.
      this.#waiting.add(sessionId);
      this.#replays.delete(sessionId);
      return [event];
    }
    this.#waiting.delete(sessionId);
    if ((this.#replays.get(sessionId) ?? 0) < MAX_REPLAYS_PER_GAP) {
      this.#askReplay(sessionId); // an event may have been logged just after the replay read the log
      return [event];
    }
    // The log does not have the missing events (expired, or lost with a runner): carry on from what we hold.
    const ordered = [...held.keys()].sort((a, b) => a - b).map((seq) => held.get(seq));
    this.#last.set(sessionId, Math.max(...ordered.map((e) => Math.max(e.seq, e.through ?? 0))));
    this.#held.delete(sessionId);
    this.#replays.delete(sessionId);
    return [...ordered.filter((e) => e.type !== SKIPPED), event];
  }

  #askReplay(sessionId) {
    this.#replays.set(sessionId, (this.#replays.get(sessionId) ?? 0) + 1);
    this.resume(sessionId);
  }
}
