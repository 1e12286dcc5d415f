// Formatting of sizes and times for display.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)) + ' ' + UNITS[i];
}

/** Local time as YYYY-MM-DD HH:MM:SS (sortable, unambiguous, compact). */
export function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function percent(part, whole) {
  return whole > 0 ? Math.min(100, Math.max(0, (part / whole) * 100)) : 0;
}

/** A duration in milliseconds as "850 ms", "12 s", "3 min 5 s", "2 h 10 min". */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return Math.max(0, Math.round(ms)) + ' ms';
  const s = Math.round(ms / 1000);
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return hrs + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
  return Math.floor(hrs / 24) + ' d ' + (hrs % 24) + ' h';
}

/** How far a time is from now, in words: "in 5 min", "3 h ago". */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const d = t - now;
  if (Math.abs(d) < 45000) return d >= 0 ? 'in a moment' : 'just now';
  return d >= 0 ? 'in ' + duration(d).replace(/ \d+ (s|min)$/, '') : duration(-d).replace(/ \d+ (s|min)$/, '') + ' ago';
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An ISO time with offset (2026-11-23T01:00+01:00) in words, in the box's own wall-clock time as
 * the string gives it: "Mon 23 Nov 2026, 01:00".
 */
export function wallClock(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  if (!m) return iso || '–';
  const [, y, mo, d, hh, mm] = m;
  const wd = new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDay();
  return `${WEEKDAYS[wd]} ${+d} ${MONTHS[+mo - 1]} ${y}, ${hh}:${mm}`;
}

/** The badge class for a task run's state. */
export function stateBadge(state) {
  return { SUCCEEDED: 'ok', FAILED: 'danger', INTERRUPTED: 'danger', RUNNING: 'info', SKIPPED: 'warn' }[state] || 'neutral';
}
