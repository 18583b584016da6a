// How meetings read: status labels, clock times, titles, the microphone level.

export const STATUS_LABELS = {
  idle: 'Stopped',
  active: 'Live',
  analyzing: 'Analyzing',
  complete: 'Analyzed',
  error: 'Failed',
};

export function statusLabel(meeting) {
  if (meeting?.status === 'idle' && !meeting.startedAt) return 'Not started';
  return STATUS_LABELS[meeting?.status] || meeting?.status || 'Unknown';
}

/** "4:05", or "1:02:03" past an hour. */
export function clock(ms) {
  const total = Math.max(0, Math.floor((ms || 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

export const meetingTitle = (meeting) => meeting?.title?.trim() || 'Untitled meeting';

export const meetingDate = (meeting) => meeting?.startedAt || meeting?.createdAt || null;

/** An RMS level (0–1) as the meter's 0–100: decibels from -60 dB (nothing) to 0 dB (full scale). */
export function meterLevel(rms) {
  if (!(rms > 0)) return 0;
  const decibels = 20 * Math.log10(rms);
  return Math.round(Math.max(0, Math.min(1, (decibels + 60) / 60)) * 100);
}

/**
 * Which step a failed meeting failed at: 'transcription' (Retry sends the kept audio to speech-to-text again) or
 * 'analysis' (Analyze again). Segments waiting for a retry (`failedSegments`) say so; else `errorStage` when the
 * server gives it; else the reason is read.
 */
export function errorStage(meeting) {
  if (meeting?.failedSegments?.length) return 'transcription';
  const stage = meeting?.errorStage || meeting?.errorKind;
  if (stage) return /transcri|speech|audio/i.test(stage) ? 'transcription' : 'analysis';
  return /transcri|speech|audio|recogni/i.test(meeting?.error || '') ? 'transcription' : 'analysis';
}

/** A speech engine's speaker label as people read it: "spk_0" → "Speaker 1"; others as they are. */
export function speakerLabel(speaker) {
  const numbered = /^(?:spk|speaker)[_ -]?(\d+)$/i.exec(speaker || '');
  return numbered ? `Speaker ${Number(numbered[1]) + 1}` : speaker || '';
}

const timeOfDayFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** "14:05" for an ISO timestamp; '' when there is none. */
export function timeOfDay(iso) {
  const date = new Date(iso || '');
  return Number.isNaN(date.getTime()) ? '' : timeOfDayFormat.format(date);
}

/** An action item's due date: an ISO date as "Fri 14 Mar", anything else ("next week") as it is. */
export function dueLabel(due) {
  if (!due) return '';
  if (!/^\d{4}-\d{2}-\d{2}/.test(due)) return String(due);
  const date = new Date(due.length === 10 ? `${due}T12:00:00` : due); // a bare date is that day wherever you are
  return Number.isNaN(date.getTime()) ? String(due) : dayFormat.format(date);
}
