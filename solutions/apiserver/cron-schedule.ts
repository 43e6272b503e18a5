/**
 * Cron schedules as Kubernetes reads a CronJob's `spec.schedule` (github.com/robfig/cron/v3's
 * standard parser): five fields, minute hour day-of-month month day-of-week, each `*`, `?`, a
 * number or name, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a list of them; or a
 * descriptor (`@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`,
 * `@every 1h30m`). Given code: the apiserver validates schedules with it and the CronJob
 * controller asks it when a Job is due.
 *
 * When both day fields are restricted (neither starts with `*` or `?`), a day matches if either
 * does, as in every cron: `0 0 1 * MON` is the 1st of the month and every Monday.
 *
 * @example
 * ```ts
 * const schedule = parseCronSchedule('*\/15 9-17 * * MON-FRI');
 * schedule.next(Date.parse('2026-01-02T17:50:00Z'));            // Date.parse('2026-01-05T09:00:00Z'): Friday 17:45 was the last
 * schedule.next(Date.parse('2026-01-02T17:50:00Z'), 'Europe/Paris'); // Date.parse('2026-01-05T08:00:00Z'): 09:00 in Paris
 * parseCronSchedule('61 * * * *');                              // throws: end of range (61) above maximum (59): 61
 * ```
 */

/** A parsed schedule: when it next fires. */
export interface CronSchedule {
  /** The first time strictly after `after` (ms since the epoch) when it fires, in `timeZone` (default UTC); undefined if never within 5 years. */
  next(after: number, timeZone?: string): number | undefined;
}

/** A schedule that does not parse, in robfig/cron's words. */
export class CronScheduleError extends Error {}

interface Field {
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: Record<'minute' | 'hour' | 'dom' | 'month' | 'dow', Field> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  dow: { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
};

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** How far ahead {@link CronSchedule.next} looks: a schedule such as `0 0 30 2 *` never fires. */
const HORIZON_MS = 5 * 366 * 24 * 3600_000;

/** Parses a schedule, or throws a {@link CronScheduleError} that says what is wrong. */
export function parseCronSchedule(spec: string): CronSchedule {
  const text = spec.trim();
  if (text === '') throw new CronScheduleError('empty spec string');
  if (text.startsWith('@every ')) return every(text.slice('@every '.length).trim());
  if (text.startsWith('@')) {
    const expanded = DESCRIPTORS[text.toLowerCase()];
    if (!expanded) throw new CronScheduleError(`unrecognized descriptor: ${text}`);
    return fields(expanded);
  }
  return fields(text);
}

/** The five fields of a schedule. */
function fields(text: string): CronSchedule {
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const [minute, hour, dom, month, dow] = parts.map((part, i) => parseField(part, Object.values(FIELDS)[i]!)) as [Parsed, Parsed, Parsed, Parsed, Parsed];
  const dayMatches = (day: number, weekday: number): boolean => {
    const byDate = dom.values.has(day);
    const byWeekday = dow.values.has(weekday);
    return dom.star || dow.star ? byDate && byWeekday : byDate || byWeekday;
  };
  return {
    next(after, timeZone = 'UTC') {
      // Minute by minute from the next whole minute, skipping hours and days that cannot match.
      let t = Math.floor(after / 60_000) * 60_000 + 60_000;
      for (const end = after + HORIZON_MS; t <= end; ) {
        const local = localFields(t, timeZone);
        // A day that cannot match: on to 23:00 of it (a day of 23 or 25 hours moves midnight, never 23:00 past it).
        if (!month.values.has(local.month) || !dayMatches(local.day, local.weekday)) t += ((local.hour < 23 ? (22 - local.hour) * 60 : 0) + 60 - local.minute) * 60_000;
        else if (!hour.values.has(local.hour)) t += (60 - local.minute) * 60_000;
        else if (!minute.values.has(local.minute)) t += 60_000;
        else return t;
      }
      return undefined;
    },
  };
}

interface Parsed {
  values: Set<number>;
  /** the field starts with `*` or `?` */
  star: boolean;
}

/** One field: a comma-separated list of ranges, each with an optional step. */
function parseField(text: string, field: Field): Parsed {
  const values = new Set<number>();
  let star = false;
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw new CronScheduleError(`too many slashes: ${item}`);
    let start: number;
    let end: number;
    if (range === '*' || range === '?') {
      [start, end] = [field.min, field.max];
      star = true;
    } else {
      const [low = '', high, more] = range.split('-');
      if (more !== undefined) throw new CronScheduleError(`too many hyphens: ${item}`);
      start = number(low, field);
      end = high === undefined ? (stepText === undefined ? start : field.max) : number(high, field);
    }
    const step = stepText === undefined ? 1 : whole(stepText);
    if (start < field.min) throw new CronScheduleError(`beginning of range (${start}) below minimum (${field.min}): ${item}`);
    if (end > field.max) throw new CronScheduleError(`end of range (${end}) above maximum (${field.max}): ${item}`);
    if (start > end) throw new CronScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${item}`);
    if (step === 0) throw new CronScheduleError(`step of range should be a positive number: ${item}`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values, star };
}

/** A field's number, or one of its names (`jan`, `MON`). */
function number(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (field.min === 1 ? 1 : 0);
  return whole(text);
}

function whole(text: string): number {
  if (!/^\d+$/.test(text)) throw new CronScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** `@every 1h30m`: a fixed delay (whole seconds, at least one), from the time asked about. */
function every(duration: string): CronSchedule {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match || duration === '') throw new CronScheduleError(`failed to parse duration @every ${duration}: time: invalid duration ${JSON.stringify(duration)}`);
  const seconds = Math.max(1, Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0));
  return { next: (after) => Math.floor(after / 1000) * 1000 + seconds * 1000 };
}

/** The wall-clock fields of a time in a time zone. */
function localFields(t: number, timeZone: string): { month: number; day: number; weekday: number; hour: number; minute: number } {
  if (timeZone === 'UTC') {
    const d = new Date(t);
    return { month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
  }
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return {
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday!),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Is `timeZone` a time zone this runtime knows (an IANA name such as `Europe/Paris`)? */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
