// The desk's case statistics as charts (loaded on demand with ECharts).
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { interactions } from "../api";
import { Chart, palette, type ChartOption, type LegendItem } from "../charts/Chart";
import { durationUnit, slaSplit, statsHeader, statsRow, times, type CaseStats } from "../deskStats";
import { dayKey, monthBoundaries, monthKey, weekBoundaries } from "../periods";
import { CSVButton, ErrorBox, Field, Loading, Section } from "../ui";

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const round1 = (x: number | null, unit: number) => (x === null ? null : Math.round((x / unit) * 10) / 10);

/** The chosen period's times and SLA outcome, and the trend by week or month. */
export default function DeskCharts({ stats, period }: { stats: CaseStats; period: string }) {
  return (
    <div className="charts">
      <Times stats={stats} period={period} />
      <Sla stats={stats} period={period} />
      <Trend />
    </div>
  );
}

const timesLegend: LegendItem[] = [{ name: "Median", color: palette[0] }, { name: "90th percentile", color: palette[1] }];

function Times({ stats, period }: { stats: CaseStats; period: string }) {
  const t = times(stats);
  const unit = durationUnit(Math.max(0, ...[t.frP90, t.resP90, t.frMedian, t.resMedian].filter((x): x is number => x !== null)));
  const option = useMemo<ChartOption>(() => ({
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => (v === null || v === undefined ? "not measured" : `${v} ${unit.name}`) },
    grid: { left: 60, right: 16, top: 24, bottom: 30 },
    xAxis: { type: "category", data: ["First response", "Resolution"] },
    yAxis: { type: "value", name: unit.name, nameLocation: "middle", nameGap: 42 },
    series: [
      { type: "bar", name: "Median", data: [round1(t.frMedian, unit.seconds), round1(t.resMedian, unit.seconds)], label: { show: true, position: "top" } },
      { type: "bar", name: "90th percentile", data: [round1(t.frP90, unit.seconds), round1(t.resP90, unit.seconds)], label: { show: true, position: "top" } },
    ],
  }), [t.frMedian, t.frP90, t.resMedian, t.resP90, unit]);
  return (
    <Section title="Time to first response and to resolution" actions={<CSVButton name="case-times" header={statsHeader} rows={[statsRow(period, stats)]} />}>
      <p className="note">Cases opened in {period}; a time is left out when no case had it.</p>
      <Chart option={option} label={`Median and 90th percentile of the time to first response and to resolution, in ${unit.name}`} height={240} legend={timesLegend} />
    </Section>
  );
}

const slaLegend: LegendItem[] = [{ name: "Resolved within SLA", color: "#1d7a46" }, { name: "Resolved late", color: "#b42318" }, { name: "Not resolved yet", color: "#98a2b3" }];

function Sla({ stats, period }: { stats: CaseStats; period: string }) {
  const s = slaSplit(stats);
  const option = useMemo<ChartOption>(() => ({
    tooltip: { trigger: "axis" },
    grid: { left: 16, right: 16, top: 10, bottom: 30, containLabel: true },
    xAxis: { type: "value", name: "Cases", nameLocation: "middle", nameGap: 24, minInterval: 1 },
    yAxis: { type: "category", data: ["Cases"], show: false },
    series: [
      { type: "bar", stack: "all", name: "Resolved within SLA", data: [s.within], label: { show: s.within > 0 } },
      { type: "bar", stack: "all", name: "Resolved late", data: [s.late], label: { show: s.late > 0 } },
      { type: "bar", stack: "all", name: "Not resolved yet", data: [s.open], label: { show: s.open > 0 } },
    ],
  }), [s.within, s.late, s.open]);
  return (
    <Section title="Resolved within SLA" actions={<CSVButton name="case-sla" header={["period", "resolved_within_sla", "resolved_late", "not_resolved", "share_within_sla"]} rows={[[period, s.within, s.late, s.open, s.share === null ? null : s.share.toFixed(4)]]} />}>
      <p className="note" data-testid="sla-share">
        {s.share === null ? "No case opened in " + period + " is resolved yet." : `${pct(s.share)} of the resolved cases opened in ${period} were resolved by their due time.`}
      </p>
      <Chart option={option} label="Cases by outcome: resolved within SLA, resolved late, not resolved yet" height={110} legend={slaLegend} />
    </Section>
  );
}

const PERIODS = 12;

const trendLegend: LegendItem[] = [
  { name: "First response, median", color: palette[0] },
  { name: "First response, p90", color: palette[0], dashed: true },
  { name: "Resolution, median", color: palette[1] },
  { name: "Resolution, p90", color: palette[1], dashed: true },
  { name: "Within SLA", color: "rgba(29,122,70,.3)" },
];

function Trend() {
  const [by, setBy] = useState<"week" | "month">("week");
  // The periods end with today: fixed when the screen opened, not per render.
  const [now] = useState(() => new Date());
  const bounds = useMemo(() => (by === "week" ? weekBoundaries(now, PERIODS) : monthBoundaries(now, PERIODS)), [by, now]);
  const labels = useMemo(() => bounds.slice(0, -1).map((d) => (by === "week" ? d.toLocaleDateString(undefined, { month: "short", day: "numeric" }) : monthKey(d))), [bounds, by]);
  const q = useQuery({
    queryKey: ["case-trend", by, now.getTime()],
    queryFn: ({ signal }) => Promise.all(bounds.slice(0, -1).map((from, i) => interactions.getCaseStatistics({ openTimeFrom: timestampFromDate(from), openTimeTo: timestampFromDate(bounds[i + 1]) }, { signal }))),
  });
  const option = useMemo<ChartOption | undefined>(() => {
    if (!q.data) return undefined;
    const ts = q.data.map(times);
    const unit = durationUnit(Math.max(0, ...ts.flatMap((t) => [t.frP90, t.resP90]).filter((x): x is number => x !== null)));
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 50, top: 30, bottom: 40 },
      xAxis: { type: "category", data: labels, name: by === "week" ? "Week from" : "Month", nameLocation: "middle", nameGap: 26 },
      yAxis: [
        { type: "value", name: unit.name, nameLocation: "middle", nameGap: 40 },
        { type: "value", name: "within SLA", min: 0, max: 1, axisLabel: { formatter: pct }, splitLine: { show: false } },
      ],
      series: [
        { type: "line", name: "First response, median", data: ts.map((t) => round1(t.frMedian, unit.seconds)), connectNulls: false },
        { type: "line", name: "First response, p90", data: ts.map((t) => round1(t.frP90, unit.seconds)), lineStyle: { type: "dashed" } },
        { type: "line", name: "Resolution, median", data: ts.map((t) => round1(t.resMedian, unit.seconds)) },
        { type: "line", name: "Resolution, p90", data: ts.map((t) => round1(t.resP90, unit.seconds)), lineStyle: { type: "dashed" } },
        { type: "bar", name: "Within SLA", yAxisIndex: 1, data: q.data.map((s) => slaSplit(s).share), tooltip: { valueFormatter: (v: unknown) => (v === null || v === undefined ? "none resolved" : pct(Number(v))) } },
      ],
    };
  }, [q.data, labels, by]);
  return (
    <Section
      title={`Case handling by ${by}`}
      actions={q.data && <CSVButton name={`case-statistics-by-${by}`} header={statsHeader} rows={q.data.map((s, i) => statsRow(by === "week" ? dayKey(bounds[i]) : labels[i], s))} />}
    >
      <Field label="Periods">
        <select value={by} onChange={(e) => setBy(e.target.value as "week" | "month")}>
          <option value="week">the last {PERIODS} weeks</option>
          <option value="month">the last {PERIODS} months</option>
        </select>
      </Field>
      {q.isPending && <Loading what="the figures of each period" />}
      <ErrorBox error={q.error} title="The figures could not be read" />
      {option && <Chart option={option} label={`Median and 90th percentile times and share within SLA, by ${by}, of the cases opened in each`} height={300} legend={trendLegend} />}
    </Section>
  );
}
