// A chat's history: GET /api/sessions/{id}/turns page by page (newest page first), and which turns the loaded
// pages already show whole, so that their events, replayed by session.resume, are not applied a second time.
import { api } from '../api.js';
import { historyTurn, isEnded } from './turns.js';

export const PAGE_SIZE = 20;

/** One page as turns, oldest first, and `nextBefore`: the `before` of the next older page (null at the start). */
export async function fetchTurns(sessionId, before = null) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before) query.set('before', String(before));
  const page = await api.get(`/api/sessions/${encodeURIComponent(sessionId)}/turns?${query}`);
  return { turns: [...page.turns].reverse().map(historyTurn), nextBefore: page.nextBefore ?? null };
}

/** The turn numbers the loaded pages cover: ended turns, and every turn older than the oldest page. */
export class Loaded {
  #ended = new Set();
  #below = 0;

  add(turns, nextBefore) {
    for (const turn of turns) if (isEnded(turn)) this.#ended.add(turn.turn);
    this.#below = nextBefore && turns.length ? Math.min(...turns.map((t) => t.turn)) : 0;
  }

  covers(number) {
    return this.#ended.has(number) || number < this.#below;
  }
}
