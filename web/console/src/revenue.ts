// Revenue by calendar month from purchases and refunds: interaction-log
// has no aggregate of it, so the console adds up the interactions it reads.
import { monthKey, periodOf } from "./periods";
import type { MoneyLike } from "./format";

/** A purchase (+) or a refund (-) at its occur time. */
export interface Movement {
  time: Date;
  amount: MoneyLike;
  refund: boolean;
}

/** One month's revenue in one currency; amounts in the currency's units. */
export interface MonthRevenue {
  month: string;
  currency: string;
  purchases: number;
  refunds: number;
  net: number;
  orders: number;
}

const NANO = 1_000_000_000n;

function nanos(m: MoneyLike): bigint {
  return m.units * NANO + BigInt(m.nanos);
}

function units(n: bigint): number {
  // Exact to the nano while summing; a number only for the chart.
  return Number(n / NANO) + Number(n % NANO) / 1e9;
}

/**
 * Sums movements into the months [b[i], b[i+1]), one row per month and
 * currency (months without any movement included, as zeros, for every
 * currency seen), months in order, currencies by name. Movements outside
 * the months are left out.
 */
export function revenueByMonth(movements: Movement[], boundaries: Date[]): MonthRevenue[] {
  const months = boundaries.slice(0, -1).map(monthKey);
  const sums = new Map<string, { p: bigint; r: bigint; orders: number }[]>();
  for (const m of movements) {
    const i = periodOf(boundaries, m.time);
    if (i < 0 || m.amount.currencyCode === "") continue;
    let row = sums.get(m.amount.currencyCode);
    if (!row) sums.set(m.amount.currencyCode, (row = months.map(() => ({ p: 0n, r: 0n, orders: 0 }))));
    if (m.refund) row[i].r += nanos(m.amount);
    else {
      row[i].p += nanos(m.amount);
      row[i].orders++;
    }
  }
  const out: MonthRevenue[] = [];
  const currencies = [...sums.keys()].sort();
  months.forEach((month, i) => {
    for (const currency of currencies) {
      const s = sums.get(currency)![i];
      out.push({ month, currency, purchases: units(s.p), refunds: units(s.r), net: units(s.p - s.r), orders: s.orders });
    }
  });
  return out;
}

/** Whole days from t back to since, rounded up: the window that reaches since. */
export function daysSince(since: Date, t: Date): number {
  return Math.ceil((t.getTime() - since.getTime()) / 86_400_000);
}
