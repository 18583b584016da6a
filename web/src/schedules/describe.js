// A cron expression in words ("Weekdays at 9:00", "Every hour", "On the 1st of each month at 9:00"). Pure: no
// DOM, no imports, so Node runs it in tests/unit/test_cron_describe.py. What it cannot say plainly stays the raw
// expression.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];
const NAMES = {
  sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6,
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

/** 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd". */
export function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

const number = (text) => {
  const lower = text.toLowerCase();
  if (lower in NAMES) return NAMES[lower];
  return /^\d+$/.test(text) ? Number(text) : null;
};

/** The values of one field ("1-5", "1,3", "mon-fri"), or null for a step, `*` or anything unusual. */
function values(field, min, max) {
  const out = new Set();
  for (const part of field.split(',')) {
    const range = /^(\w+)(?:-(\w+))?$/.exec(part);
    if (!range) return null;
    const from = number(range[1]);
    const to = range[2] === undefined ? from : number(range[2]);
    if (from === null || to === null || from > to || from < min || to > max) return null;
    for (let v = from; v <= to; v++) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** "every 2nd" for a step field like "*\/2", "" for "*", null otherwise. */
function every(field, unit) {
  if (field === '*') return '';
  const step = /^\*\/(\d+)$/.exec(field);
  if (!step) return null;
  const n = Number(step[1]);
  if (n < 1) return null;
  return n === 1 ? `every ${unit}` : `every ${ordinal(n)} ${unit}`;
}

const list = (words) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);
const time = (hour, minute) => `${hour}:${String(minute).padStart(2, '0')}`;

function daysOfWeek(field) {
  const days = values(field, 0, 7);
  if (!days) return null;
  const set = [...new Set(days.map((d) => d % 7))].sort((a, b) => a - b);
  const key = set.join(',');
  if (key === '1,2,3,4,5') return 'Weekdays';
  if (key === '0,6') return 'Weekends';
  if (key === '0,1,2,3,4,5,6') return 'Every day';
  // Monday first, the way a week reads
  const ordered = [...set.filter((d) => d !== 0), ...set.filter((d) => d === 0)];
  return `Every ${list(ordered.map((d) => DAYS[d]))}`;
}

/** When the hour and minute fields name fixed times: "9:00", "9:00 and 17:30"; else null. */
function clockTimes(minuteField, hourField) {
  const minutes = values(minuteField, 0, 59);
  const hours = values(hourField, 0, 23);
  if (!minutes || !hours || minutes.length * hours.length > 4) return null;
  const times = [];
  for (const h of hours) for (const m of minutes) times.push(time(h, m));
  return list(times);
}

/** The part of the day: "at 9:00", "every hour", "every 15 minutes", "at minute 5 past every 2nd hour". */
function timeOfDay(minuteField, hourField) {
  const clock = clockTimes(minuteField, hourField);
  if (clock) return `at ${clock}`;
  const minutes = values(minuteField, 0, 59);
  if (minuteField === '*' && hourField === '*') return 'every minute';
  const minuteStep = /^\*\/(\d+)$/.exec(minuteField);
  if (minuteStep && hourField === '*') return `every ${Number(minuteStep[1])} minutes`;
  const hours = every(hourField, 'hour');
  if (minutes && minutes.length === 1 && hours !== null) {
    if (hours === '') return minutes[0] === 0 ? 'every hour' : `at minute ${minutes[0]} past every hour`;
    return minutes[0] === 0 ? hours : `at minute ${minutes[0]} past ${hours}`;
  }
  return null;
}

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * `expression` in words, or null when it is not a plain five-field expression this can say well.
 * "0 9 * * 1-5" → "Weekdays at 9:00"; "30 18 * * *" → "Every day at 18:30"; "0 8 * * 1" → "Every Monday at
 * 8:00"; "0 * * * *" → "Every hour"; "0 9 1 * *" → "On the 1st of each month at 9:00".
 */
export function cronWords(expression) {
  const fields = String(expression || '').trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields;
  const when = timeOfDay(minute, hour);
  if (!when) return null;
  const fixedTime = when.startsWith('at ') && !when.startsWith('at minute');

  if (dom === '*' && month === '*' && dow === '*') {
    return fixedTime ? `Every day ${when}` : capital(when);
  }
  if (dom === '*' && month === '*') {
    const days = daysOfWeek(dow);
    if (!days) return null;
    return `${days}${fixedTime ? ' ' : ', '}${when}`;
  }
  if (dow === '*') {
    const dates = values(dom, 1, 31);
    if (!dates || dates.length > 3) return null;
    const on = list(dates.map(ordinal));
    if (month === '*') return `On the ${on} of each month${fixedTime ? ' ' : ', '}${when}`;
    const months = values(month, 1, 12);
    if (!months || months.length > 3) return null;
    return `On the ${on} of ${list(months.map((m) => MONTHS[m - 1]))}${fixedTime ? ' ' : ', '}${when}`;
  }
  return null;
}

/** `expression` in words, or the expression itself when it cannot be said plainly. */
export function describeCron(expression) {
  return cronWords(expression) || String(expression || '').trim();
}
