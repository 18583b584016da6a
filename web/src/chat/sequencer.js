// Session events in `seq` order, each exactly once, whatever the network did to them.
//
// Every session event carries a per-session, strictly increasing `seq`. The sequencer releases events in that
// order, drops any it has already released or is holding, and holds the ones that come after a gap. A gap asks
// for a replay (session.resume from the last contiguous seq); if the replay cannot fill it twice in a row (the
// log no longer has those events), the held events are released across the gap rather than held for ever.

const MAX_REPLAYS_PER_GAP = 2;

export class Sequencer {
  #last = new Map(); // sessionId → last released seq
  #held = new Map(); // sessionId → Map(seq → event)
  #replays = new Map(); // sessionId → replays asked for the current gap
  #resuming = new Set(); // sessions with a replay in flight
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
    let last = this.lastSeq(sessionId);
    const held = this.#held.get(sessionId) ?? new Map();
    if (seq <= last || held.has(seq)) return [];
    held.set(seq, event);
    const released = [];
    while (held.has(last + 1)) {
      last += 1;
      released.push(held.get(last));
      held.delete(last);
    }
    this.#last.set(sessionId, last);
    this.#held.set(sessionId, held);
    if (released.length) this.#replays.delete(sessionId);
    if (held.size && !this.#resuming.has(sessionId)) this.#askReplay(sessionId);
    return released;
  }

  #resumed(event) {
    const { sessionId } = event;
    this.#resuming.delete(sessionId);
    const held = this.#held.get(sessionId);
    if (!held?.size) return [event];
    if ((this.#replays.get(sessionId) ?? 0) < MAX_REPLAYS_PER_GAP) {
      this.#askReplay(sessionId); // an event may have been logged just after the replay read the log
      return [event];
    }
    // The log does not have the missing events (expired): carry on from what we hold.
    const released = [...held.keys()].sort((a, b) => a - b).map((seq) => held.get(seq));
    this.#last.set(sessionId, released.at(-1).seq);
    this.#held.delete(sessionId);
    this.#replays.delete(sessionId);
    return [...released, event];
  }

  #askReplay(sessionId) {
    this.#replays.set(sessionId, (this.#replays.get(sessionId) ?? 0) + 1);
    this.resume(sessionId);
  }
}
