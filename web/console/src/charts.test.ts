import { describe, expect, it } from "vitest";
import { dayKey, monthBoundaries, monthKey, periodOf, weekBoundaries } from "./periods";
import { daysSince, revenueByMonth } from "./revenue";
import { durationUnit, slaSplit, statsRow, times, type CaseStats } from "./deskStats";
import { segmentSizeSeries } from "./analysis";

const eur = (u: number, n = 0) => ({ currencyCode: "EUR", units: BigInt(u), nanos: n });

describe("periods", () => {
  it("bounds the last months, across a year's end", () => {
    const b = monthBoundaries(new Date(2024, 1, 29, 18, 5), 3);
    expect(b).toEqual([new Date(2023, 11, 1), new Date(2024, 0, 1), new Date(2024, 1, 1), new Date(2024, 2, 1)]);
    expect(b.slice(0, -1).map(monthKey)).toEqual(["2023-12", "2024-01", "2024-02"]);
  });

  it("bounds the last weeks at local midnights, today included", () => {
    const b = weekBoundaries(new Date(2024, 2, 31, 10), 2);
    expect(b).toEqual([new Date(2024, 2, 18), new Date(2024, 2, 25), new Date(2024, 3, 1)]);
    expect(b.map(dayKey)).toEqual(["2024-03-18", "2024-03-25", "2024-04-01"]);
  });

  it("finds the period of a time, ends excluded", () => {
    const b = monthBoundaries(new Date(2024, 4, 15), 3); // March, April, May
    expect(periodOf(b, new Date(2024, 2, 1))).toBe(0);
    expect(periodOf(b, new Date(2024, 3, 30, 23, 59, 59, 999))).toBe(1);
    expect(periodOf(b, new Date(2024, 4, 1))).toBe(2);
    expect(periodOf(b, new Date(2024, 5, 1))).toBe(-1);
    expect(periodOf(b, new Date(2024, 1, 29, 23))).toBe(-1);
  });
});

describe("revenue by month", () => {
  const b = monthBoundaries(new Date(2024, 4, 15), 3);
  it("sums purchases and refunds exactly, per month and currency, empty months as zeros", () => {
    const rows = revenueByMonth(
      [
        { time: new Date(2024, 2, 31, 23, 59), amount: eur(10, 100_000_000), refund: false },
        { time: new Date(2024, 2, 1), amount: eur(0, 200_000_000), refund: false },
        { time: new Date(2024, 4, 2), amount: eur(3, 300_000_000), refund: true },
        { time: new Date(2024, 4, 1), amount: { currencyCode: "CHF", units: 7n, nanos: 0 }, refund: false },
        { time: new Date(2024, 1, 29), amount: eur(1000), refund: false }, // before the months
      ],
      b,
    );
    expect(rows).toEqual([
      { month: "2024-03", currency: "CHF", purchases: 0, refunds: 0, net: 0, orders: 0 },
      { month: "2024-03", currency: "EUR", purchases: 10.3, refunds: 0, net: 10.3, orders: 2 },
      { month: "2024-04", currency: "CHF", purchases: 0, refunds: 0, net: 0, orders: 0 },
      { month: "2024-04", currency: "EUR", purchases: 0, refunds: 0, net: 0, orders: 0 },
      { month: "2024-05", currency: "CHF", purchases: 7, refunds: 0, net: 7, orders: 1 },
      { month: "2024-05", currency: "EUR", purchases: 0, refunds: 3.3, net: -3.3, orders: 0 },
    ]);
  });

  it("has no rows without movements", () => {
    expect(revenueByMonth([], b)).toEqual([]);
  });

  it("asks for a window that reaches the first month", () => {
    expect(daysSince(new Date(2024, 2, 1), new Date(2024, 2, 3, 0, 0, 1))).toBe(3);
    expect(daysSince(new Date(2024, 2, 1), new Date(2024, 2, 3))).toBe(2);
  });
});

describe("case statistics", () => {
  const s: CaseStats = {
    cases: 10n, responded: 8n, resolved: 4n,
    firstResponseMedianSeconds: 600, firstResponseP90Seconds: 5400,
    resolutionMedianSeconds: 7200, resolutionP90Seconds: 90_000, resolvedWithinSla: 0.75,
  };
  it("splits the cases by outcome", () => {
    expect(slaSplit(s)).toEqual({ within: 3, late: 1, open: 6, share: 0.75 });
    expect(slaSplit({ ...s, resolved: 0n, resolvedWithinSla: 0 })).toEqual({ within: 0, late: 0, open: 10, share: null });
  });

  it("draws nothing where nothing was measured", () => {
    expect(times({ ...s, resolved: 0n, resolutionMedianSeconds: 0, resolutionP90Seconds: 0 })).toEqual({ frMedian: 600, frP90: 5400, resMedian: null, resP90: null });
    expect(statsRow("w1", { ...s, cases: 0n, responded: 0n, resolved: 0n })).toEqual(["w1", 0, 0, 0, null, null, null, null, null]);
    expect(statsRow("w2", s)).toEqual(["w2", 10, 8, 4, 600, 5400, 7200, 90_000, "0.7500"]);
  });

  it("picks a unit by the longest time", () => {
    expect(durationUnit(5400).name).toBe("minutes");
    expect(durationUnit(90_000).name).toBe("hours");
    expect(durationUnit(300_000).name).toBe("days");
  });
});

describe("segment sizes across runs", () => {
  it("draws a line per segment, oldest first, and exports rows by run", () => {
    const t1 = new Date(Date.UTC(2024, 0, 1));
    const t2 = new Date(Date.UTC(2024, 0, 2));
    const { lines, rows } = segmentSizeSeries([
      { segment: "segments/vip", title: "VIP", sizes: [{ run: "runs/2", time: t2, count: 12 }, { run: "runs/1", time: t1, count: 10 }] },
      { segment: "segments/new", title: "", sizes: [{ run: "runs/2", time: t2, count: 3 }] },
    ]);
    expect(lines).toEqual([
      { segment: "segments/vip", title: "VIP", points: [[t1, 10], [t2, 12]] },
      { segment: "segments/new", title: "segments/new", points: [[t2, 3]] },
    ]);
    expect(rows).toEqual([
      ["runs/1", t1, "segments/vip", 10],
      ["runs/2", t2, "segments/new", 3],
      ["runs/2", t2, "segments/vip", 12],
    ]);
  });
});

describe("calls with a limit", () => {
  it("keeps the order and never runs more than the limit at once", async () => {
    const { mapLimit } = await import("./pool");
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, x));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("fails with the first failure", async () => {
    const { mapLimit } = await import("./pool");
    await expect(mapLimit([1, 2], 4, async (x) => { if (x === 2) throw new Error("no"); return x; })).rejects.toThrow("no");
  });
});
