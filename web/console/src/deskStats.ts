// The service desk's figures as charts: GetCaseStatistics per period.

/** What GetCaseStatistics answers, as far as the charts need it. */
export interface CaseStats {
  cases: bigint;
  responded: bigint;
  resolved: bigint;
  firstResponseMedianSeconds: number;
  firstResponseP90Seconds: number;
  resolutionMedianSeconds: number;
  resolutionP90Seconds: number;
  resolvedWithinSla: number;
}

/** A unit to draw durations in, chosen by the longest one. */
export function durationUnit(maxSeconds: number): { name: string; seconds: number } {
  if (maxSeconds < 2 * 3600) return { name: "minutes", seconds: 60 };
  if (maxSeconds < 3 * 86_400) return { name: "hours", seconds: 3600 };
  return { name: "days", seconds: 86_400 };
}

/**
 * The four times of one period in seconds; null where nothing was measured
 * (the service answers 0 then, which a chart would draw as "instant").
 */
export function times(s: CaseStats): { frMedian: number | null; frP90: number | null; resMedian: number | null; resP90: number | null } {
  const fr = s.responded > 0n;
  const res = s.resolved > 0n;
  return {
    frMedian: fr ? s.firstResponseMedianSeconds : null,
    frP90: fr ? s.firstResponseP90Seconds : null,
    resMedian: res ? s.resolutionMedianSeconds : null,
    resP90: res ? s.resolutionP90Seconds : null,
  };
}

/** The cases of a period by outcome: resolved by their due time, resolved late, not resolved yet. */
export function slaSplit(s: CaseStats): { within: number; late: number; open: number; share: number | null } {
  const resolved = Number(s.resolved);
  const within = Math.round(s.resolvedWithinSla * resolved);
  return { within, late: resolved - within, open: Number(s.cases) - resolved, share: resolved > 0 ? s.resolvedWithinSla : null };
}

/** A period's figures as one CSV row (seconds; empty where nothing was measured). */
export function statsRow(label: string, s: CaseStats): (string | number | null)[] {
  const t = times(s);
  const sla = slaSplit(s);
  return [label, Number(s.cases), Number(s.responded), Number(s.resolved), t.frMedian, t.frP90, t.resMedian, t.resP90, sla.share === null ? null : sla.share.toFixed(4)];
}

export const statsHeader = ["period", "cases", "responded", "resolved", "first_response_median_s", "first_response_p90_s", "resolution_median_s", "resolution_p90_s", "resolved_within_sla"];
