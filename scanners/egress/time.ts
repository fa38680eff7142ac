/**
 * Timestamps as logs write them → epoch milliseconds (NaN when unknown). Times without a zone
 * are read as UTC (Umbrella, PAN-OS, Zscaler and W3C write UTC or the appliance's zone; the
 * README says so). Only called for lines that already matched a candidate host.
 */
const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

export function parseTime(raw: string | number | undefined | null): number {
  if (raw === undefined || raw === null) return NaN;
  if (typeof raw === 'number') return epochNumber(raw);
  const s = raw.trim();
  if (!s || s === '-') return NaN;
  // epoch seconds / ms / µs / ns, possibly fractional
  if (/^\d+(\.\d+)?$/.test(s)) return epochNumber(Number(s));
  // ISO-8601 / `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY/MM/DD HH:MM:SS`
  let m = /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/i.exec(s);
  if (m) {
    const frac = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
    let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], frac);
    const z = m[8];
    if (z && z.toUpperCase() !== 'Z' && z.toUpperCase() !== 'UTC') {
      const sign = z[0] === '-' ? -1 : 1;
      const digits = z.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    }
    return t;
  }
  // BIND: 07-Apr-2022 08:08:10.043
  m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(s);
  if (m && MONTHS[m[2].toLowerCase()] !== undefined) {
    return Date.UTC(+m[3], MONTHS[m[2].toLowerCase()], +m[1], +m[4], +m[5], +m[6], m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
  }
  // Zscaler / ctime: Fri Dec 31 07:07:07 2021
  m = /^[A-Za-z]{3} ([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(s);
  if (m && MONTHS[m[1].toLowerCase()] !== undefined) return Date.UTC(+m[6], MONTHS[m[1].toLowerCase()], +m[2], +m[3], +m[4], +m[5]);
  // Windows DNS debug log: 6/5/2013 10:00:32 AM (en-US), 13/03/2025 10:00:32 (day-first locales)
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ([AP]M))?$/i.exec(s);
  if (m) {
    let h = +m[4];
    const ap = m[7]?.toUpperCase();
    if (ap === 'PM' && h < 12) h += 12;
    if (ap === 'AM' && h === 12) h = 0;
    // the server's locale decides the order: month first (en-US) unless the first number cannot be a month
    let mo = +m[1];
    let d = +m[2];
    if (mo > 12 && d <= 12) [mo, d] = [d, mo];
    if (mo > 12 || d > 31) return NaN;
    return Date.UTC(+m[3], mo - 1, d, h, +m[5], +m[6]);
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : NaN;
}

/** Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
function epochNumber(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return NaN;
  if (n < 1e11) return Math.floor(n * 1000);
  if (n < 1e14) return Math.floor(n);
  if (n < 1e17) return Math.floor(n / 1000);
  return Math.floor(n / 1e6);
}

/** UTC day number (days since epoch) of a time in ms. */
export function dayOf(ms: number): number {
  return Math.floor(ms / 86_400_000);
}
