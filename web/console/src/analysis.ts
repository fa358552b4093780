// The figures the analysis charts draw, derived from segmentation's report.
// Kept apart from the charts so that what is drawn can be tested.

export interface RfmCellLike {
  recency: number;
  fm: number;
  count: bigint;
  segment: string;
}

/** The RFM grid as heat-map points [recency-1, fm-1, count, segment], all 25 cells. */
export function rfmHeat(cells: RfmCellLike[]): { points: [number, number, number, string][]; max: number } {
  const byCell = new Map(cells.map((c) => [`${c.recency}:${c.fm}`, c]));
  const points: [number, number, number, string][] = [];
  let max = 0;
  for (let r = 1; r <= 5; r++) {
    for (let f = 1; f <= 5; f++) {
      const c = byCell.get(`${r}:${f}`);
      const n = c ? Number(c.count) : 0;
      max = Math.max(max, n);
      points.push([r - 1, f - 1, n, c?.segment ?? ""]);
    }
  }
  return { points, max };
}

/** The value matrix's classes by quadrant: value (y) against loyalty (x). */
export const valueQuadrants = [
  { cls: "big_spender", value: "high", loyalty: "low", title: "Big spenders" },
  { cls: "best", value: "high", loyalty: "high", title: "Best" },
  { cls: "drifter", value: "low", loyalty: "low", title: "Drifters" },
  { cls: "loyal_small", value: "low", loyalty: "high", title: "Loyal, small" },
] as const;

export function valueMatrix(counts: Record<string, bigint>): { cls: string; value: string; loyalty: string; title: string; count: number; share: number }[] {
  const total = valueQuadrants.reduce((s, q) => s + Number(counts[q.cls] ?? 0n), 0);
  return valueQuadrants.map((q) => {
    const count = Number(counts[q.cls] ?? 0n);
    return { ...q, count, share: total > 0 ? count / total : 0 };
  });
}

export interface Bar {
  band: string;
  count: number;
  /** Width as a share of the widest bar (0-1): proportional to the count. */
  width: number;
  /** Share of all customers in the pyramid. */
  share: number;
}

/** The pyramid's bars, best band first, each as wide as its count says. */
export function pyramidBars(bands: { band: string; count: bigint }[]): Bar[] {
  const counts = bands.map((b) => Number(b.count));
  const max = Math.max(0, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return bands.map((b, i) => ({
    band: b.band,
    count: counts[i],
    width: max > 0 ? counts[i] / max : 0,
    share: total > 0 ? counts[i] / total : 0,
  }));
}

/**
 * The Pareto curve over buyers only. The report's curve (point i: share of
 * net revenue of the top i+1 % of all scored customers) counts customers
 * who never bought, who only flatten its end; here x is the share of
 * buyers. Returns 101 points from (0, 0) to (1, 1) and the revenue share of
 * the top 20 % of buyers.
 */
export function paretoOverBuyers(pareto: number[], customers: number, prospects: number): { points: [number, number][]; top20: number } | undefined {
  const buyers = customers - prospects;
  if (buyers <= 0 || customers <= 0 || pareto.length === 0 || pareto[pareto.length - 1] === 0) return undefined;
  // The report's curve as a function of the share of all customers.
  const xs = [0, ...pareto.map((_, i) => (i + 1) / pareto.length)];
  const ys = [0, ...pareto];
  const at = (x: number): number => {
    if (x >= 1) return ys[ys.length - 1];
    let i = 1;
    while (xs[i] < x) i++;
    const t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    return ys[i - 1] + t * (ys[i] - ys[i - 1]);
  };
  const scale = buyers / customers;
  const points: [number, number][] = [];
  for (let k = 0; k <= 100; k++) {
    const q = k / 100;
    points.push([q, Math.min(1, at(q * scale))]);
  }
  return { points, top20: points[20][1] };
}

/** ABC classes over buyers: customers who never bought are C in the report; they are left out here. */
export function abcOverBuyers(abc: Record<string, bigint>, prospects: number): { cls: string; count: number; share: number }[] {
  const rows = ["A", "B", "C"].map((cls) => ({ cls, count: Number(abc[cls] ?? 0n) - (cls === "C" ? prospects : 0) }));
  for (const r of rows) r.count = Math.max(0, r.count);
  const total = rows.reduce((s, r) => s + r.count, 0);
  return rows.map((r) => ({ ...r, share: total > 0 ? r.count / total : 0 }));
}

/** A rule segment's sizes when runs completed. */
export interface SegmentSizes {
  segment: string;
  title: string;
  sizes: { run: string; time: Date; count: number }[];
}

/**
 * Segment sizes across runs as one line per segment, points [time, count]
 * oldest first, and as rows (run, time, segment, count) for export, oldest
 * run first. A segment created after a run has no point for it.
 */
export function segmentSizeSeries(segments: SegmentSizes[]): { lines: { segment: string; title: string; points: [Date, number][] }[]; rows: [string, Date, string, number][] } {
  const lines = segments.map((s) => ({
    segment: s.segment,
    title: s.title || s.segment,
    points: [...s.sizes].sort((a, b) => a.time.getTime() - b.time.getTime()).map((z) => [z.time, z.count] as [Date, number]),
  }));
  const rows: [string, Date, string, number][] = segments.flatMap((s) => s.sizes.map((z) => [z.run, z.time, s.segment, z.count] as [string, Date, string, number]));
  rows.sort((a, b) => a[1].getTime() - b[1].getTime() || a[2].localeCompare(b[2]));
  return { lines, rows };
}
