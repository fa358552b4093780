// Calendar periods for the charts over time, in the browser's time zone.

/** "2024-05" for a local date. */
export function monthKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

/** "2024-05-31" for a local date. */
export function dayKey(d: Date): string {
  return `${monthKey(d)}-${String(d.getDate()).padStart(2, "0")}`;
}

/**
 * The boundaries of the last n calendar months, the current one included,
 * oldest first: n+1 dates from the first month's start to the start of the
 * month after the current one.
 */
export function monthBoundaries(now: Date, n: number): Date[] {
  const out: Date[] = [];
  for (let i = n - 1; i >= -1; i--) out.push(new Date(now.getFullYear(), now.getMonth() - i, 1));
  return out;
}

/**
 * The boundaries of the last n weeks ending at the end of today: n+1
 * local midnights, 7 days apart (a day may have 23 or 25 hours).
 */
export function weekBoundaries(now: Date, n: number): Date[] {
  const out: Date[] = [];
  for (let i = n; i >= 0; i--) out.push(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1 - 7 * i));
  return out;
}

/** The index of the period [b[i], b[i+1]) holding t, or -1 outside them all. */
export function periodOf(boundaries: Date[], t: Date): number {
  const ms = t.getTime();
  if (boundaries.length < 2 || ms < boundaries[0].getTime() || ms >= boundaries[boundaries.length - 1].getTime()) return -1;
  let lo = 0;
  let hi = boundaries.length - 1;
  // Invariant: b[lo] <= t < b[hi].
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid].getTime() <= ms) lo = mid;
    else hi = mid;
  }
  return lo;
}
