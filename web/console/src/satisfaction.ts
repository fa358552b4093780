// Satisfaction statistics as the desk draws them: GetSatisfactionStatistics
// grouped by assignee, channel or period, as chart rows and CSV.
import { Channel } from "@gen/crm/interaction/v1/interaction_pb.js";
import { SatisfactionGrouping } from "@gen/crm/interaction/v1/interaction_service_pb.js";
import { idOf, label } from "./format";
import { dayKey, monthKey } from "./periods";

/** The figures of a set of responses, as far as the charts need them. */
export interface SummaryLike {
  responses: bigint;
  meanRatio: number;
  meanDifference: number;
  satisfied: bigint;
  met: bigint;
  dissatisfied: bigint;
  experienceCounts: bigint[];
}

/** One group of the answer: exactly one key is set, the grouping's. */
export interface GroupLike {
  case: string;
  assignee: string;
  channel: Channel;
  periodStart?: { seconds: bigint; nanos: number };
  summary?: SummaryLike;
}

const date = (t?: { seconds: bigint; nanos: number }) => (t ? new Date(Number(t.seconds) * 1000 + t.nanos / 1e6) : undefined);

/** What the chart and the CSV show of one group. */
export interface SatisfactionRow {
  key: string;
  responses: number;
  satisfied: number;
  met: number;
  dissatisfied: number;
  meanRatio: number | null;
  meanDifference: number | null;
}

/**
 * A group's name: the case's id, the assignee ("nobody named" for the
 * contacts of no case and no agent), the channel, or the period's start
 * (day and week as their first day, month as "2024-05", in the browser's
 * time zone, which the request names).
 */
export function groupKey(g: GroupLike, by: SatisfactionGrouping): string {
  switch (by) {
    case SatisfactionGrouping.CASE:
      return idOf(g.case);
    case SatisfactionGrouping.ASSIGNEE:
      return g.assignee || "nobody named";
    case SatisfactionGrouping.CHANNEL:
      return g.channel === Channel.UNSPECIFIED ? "unknown" : label(Channel, g.channel, "CHANNEL_");
    case SatisfactionGrouping.MONTH: {
      const d = date(g.periodStart);
      return d ? monthKey(d) : "";
    }
    default: {
      const d = date(g.periodStart);
      return d ? dayKey(d) : "";
    }
  }
}

/** The groups in the service's order; means are null where no response was counted. */
export function satisfactionRows(groups: GroupLike[], by: SatisfactionGrouping): SatisfactionRow[] {
  return groups.map((g) => {
    const s = g.summary;
    const responses = Number(s?.responses ?? 0n);
    return {
      key: groupKey(g, by),
      responses,
      satisfied: Number(s?.satisfied ?? 0n),
      met: Number(s?.met ?? 0n),
      dissatisfied: Number(s?.dissatisfied ?? 0n),
      meanRatio: responses > 0 ? s!.meanRatio : null,
      meanDifference: responses > 0 ? s!.meanDifference : null,
    };
  });
}

/** The share of responses whose experience beat the expectation; null without responses. */
export function satisfiedShare(r: { responses: number; satisfied: number }): number | null {
  return r.responses > 0 ? r.satisfied / r.responses : null;
}

/** The CSV columns of a grouping. */
export function satisfactionHeader(by: SatisfactionGrouping): string[] {
  const keys: Partial<Record<SatisfactionGrouping, string>> = { [SatisfactionGrouping.CASE]: "case", [SatisfactionGrouping.ASSIGNEE]: "assignee", [SatisfactionGrouping.CHANNEL]: "channel", [SatisfactionGrouping.DAY]: "day", [SatisfactionGrouping.WEEK]: "week_from", [SatisfactionGrouping.MONTH]: "month" };
  const key = keys[by] ?? "group";
  return [key, "responses", "satisfied", "met", "dissatisfied", "mean_ratio", "mean_difference"];
}

/** A row as CSV cells (means to 4 places; empty without responses). */
export function satisfactionCSVRow(r: SatisfactionRow): (string | number | null)[] {
  const f = (x: number | null) => (x === null ? null : x.toFixed(4));
  return [r.key, r.responses, r.satisfied, r.met, r.dissatisfied, f(r.meanRatio), f(r.meanDifference)];
}

/** The browser's IANA time zone, sent so that days, weeks and months are the user's. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
