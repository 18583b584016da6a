// The cron field's helpers: presets that fill it, the server's preview of the next runs (debounced), time zones.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { BROWSER_ZONE } from './format.js';

export const PRESETS = [
  { label: 'Every weekday at 9:00', cron: '0 9 * * 1-5' },
  { label: 'Every day at 9:00', cron: '0 9 * * *' },
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every Monday at 8:00', cron: '0 8 * * 1' },
  { label: 'First of the month at 9:00', cron: '0 9 1 * *' },
];

export const PREVIEW_DELAY_MS = 400;

/** Every IANA zone the browser knows, with the browser's own and `extra` (a schedule's current zone) included. */
export function timeZones(extra) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return [...new Set(['UTC', BROWSER_ZONE, ...(extra ? [extra] : []), ...zones])].sort((a, b) =>
    a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b),
  );
}

/**
 * The server's next runs of `cron` in `timezone`, asked PREVIEW_DELAY_MS after the last change:
 * `{ state: 'idle' | 'loading' | 'ok' | 'invalid', runs, error }`. A stale answer is ignored (not aborted).
 */
export function useCronPreview(cron, timezone) {
  const [preview, setPreview] = useState({ state: 'idle', runs: [], error: null });
  const serial = useRef(0);
  useEffect(() => {
    const mine = ++serial.current;
    const expression = cron.trim();
    if (!expression) {
      setPreview({ state: 'idle', runs: [], error: null });
      return undefined;
    }
    setPreview((p) => ({ ...p, state: 'loading' }));
    const timer = setTimeout(() => {
      const query = new URLSearchParams({ cron: expression, timezone });
      api.get(`/api/schedules/preview?${query}`).then(
        (answer) => mine === serial.current && setPreview({ state: 'ok', runs: answer.runs, error: null }),
        (err) => mine === serial.current && setPreview({ state: 'invalid', runs: [], error: err.message }),
      );
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [cron, timezone]);
  return preview;
}
