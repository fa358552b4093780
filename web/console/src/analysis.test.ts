import { describe, expect, it } from "vitest";
import { abcOverBuyers, paretoOverBuyers, pyramidBars, rfmHeat, valueMatrix } from "./analysis";

describe("paretoOverBuyers", () => {
  // 10 customers, 5 of whom never bought; the 5 buyers spend 50, 20, 10, 10, 10.
  // The report's point i is the revenue share of the top (i+1)% of all 10.
  const spend = [50, 20, 10, 10, 10, 0, 0, 0, 0, 0];
  const total = 100;
  const pareto = Array.from({ length: 100 }, (_, i) => {
    const k = Math.ceil(((i + 1) / 100) * 10);
    return spend.slice(0, k).reduce((a, b) => a + b, 0) / total;
  });

  it("spreads the curve over buyers only, reaching all revenue at the last buyer", () => {
    const c = paretoOverBuyers(pareto, 10, 5)!;
    expect(c.points).toHaveLength(101);
    expect(c.points[0]).toEqual([0, 0]);
    expect(c.points[100]).toEqual([1, 1]);
    // The top buyer of five (20% of buyers) brings half the revenue; over
    // all customers the 20% point would say 70% (two customers).
    expect(c.top20).toBeCloseTo(0.5, 6);
    expect(pareto[19]).toBeCloseTo(0.7, 6);
    // 40% of buyers = the top two buyers = 70%.
    expect(c.points[40][1]).toBeCloseTo(0.7, 6);
  });

  it("is monotone and never above 1", () => {
    const c = paretoOverBuyers(pareto, 10, 5)!;
    for (let i = 1; i < c.points.length; i++) {
      expect(c.points[i][1]).toBeGreaterThanOrEqual(c.points[i - 1][1]);
      expect(c.points[i][1]).toBeLessThanOrEqual(1);
    }
  });

  it("without prospects is the report's own curve", () => {
    const all = Array.from({ length: 100 }, (_, i) => Math.sqrt((i + 1) / 100));
    const c = paretoOverBuyers(all, 1000, 0)!;
    expect(c.points[20][1]).toBeCloseTo(all[19], 9);
    expect(c.points[73][1]).toBeCloseTo(all[72], 9);
  });

  it("has nothing to draw without buyers or revenue", () => {
    expect(paretoOverBuyers(new Array(100).fill(0), 10, 0)).toBeUndefined();
    expect(paretoOverBuyers(pareto, 5, 5)).toBeUndefined();
    expect(paretoOverBuyers([], 0, 0)).toBeUndefined();
  });
});

describe("pyramidBars", () => {
  it("draws each band as wide as its count, best first", () => {
    const bars = pyramidBars([
      { band: "platinum", count: 4n },
      { band: "gold", count: 12n },
      { band: "iron", count: 44n },
      { band: "lead", count: 240n },
    ]);
    expect(bars.map((b) => b.band)).toEqual(["platinum", "gold", "iron", "lead"]);
    expect(bars[3].width).toBe(1);
    expect(bars[0].width).toBeCloseTo(4 / 240, 9);
    // 240 customers drawn 60 times as wide as 4, not a fixed step apart.
    expect(bars[3].width / bars[0].width).toBeCloseTo(60, 9);
    expect(bars.reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 9);
  });

  it("draws empty bands with no width", () => {
    expect(pyramidBars([{ band: "a", count: 0n }]).map((b) => b.width)).toEqual([0]);
  });
});

describe("abcOverBuyers", () => {
  it("leaves out the customers who never bought", () => {
    const rows = abcOverBuyers({ A: 20n, B: 30n, C: 250n }, 200);
    expect(rows.map((r) => [r.cls, r.count])).toEqual([["A", 20], ["B", 30], ["C", 50]]);
    expect(rows[0].share).toBeCloseTo(0.2, 9);
  });
});

describe("rfmHeat", () => {
  it("has all 25 cells with their segment names, missing ones empty", () => {
    const { points, max } = rfmHeat([
      { recency: 5, fm: 5, count: 12n, segment: "champions" },
      { recency: 1, fm: 1, count: 30n, segment: "lost" },
    ]);
    expect(points).toHaveLength(25);
    expect(points.find((p) => p[0] === 4 && p[1] === 4)).toEqual([4, 4, 12, "champions"]);
    expect(points.find((p) => p[0] === 0 && p[1] === 0)).toEqual([0, 0, 30, "lost"]);
    expect(points.find((p) => p[0] === 2 && p[1] === 3)).toEqual([2, 3, 0, ""]);
    expect(max).toBe(30);
  });
});

describe("valueMatrix", () => {
  it("places each class in its quadrant with its share", () => {
    const cells = valueMatrix({ best: 10n, big_spender: 30n, loyal_small: 20n, drifter: 40n });
    const best = cells.find((c) => c.cls === "best")!;
    expect([best.value, best.loyalty, best.count, best.share]).toEqual(["high", "high", 10, 0.1]);
    const big = cells.find((c) => c.cls === "big_spender")!;
    expect([big.value, big.loyalty]).toEqual(["high", "low"]);
  });
});
