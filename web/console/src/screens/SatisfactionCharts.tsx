// The desk's satisfaction statistics as charts (loaded on demand with
// ECharts): GetSatisfactionStatistics by assignee, by channel and by period.
import { useMemo, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { InteractionService } from "../api";
import { SatisfactionGrouping } from "@gen/crm/interaction/v1/interaction_service_pb.js";
import { Chart, type ChartOption, type LegendItem } from "../charts/Chart";
import { browserTimeZone, satisfactionCSVRow, satisfactionHeader, satisfactionRows, satisfiedShare, type SatisfactionRow } from "../satisfaction";
import { CSVButton, ErrorBox, Field, Loading, Section } from "../ui";

const legend: LegendItem[] = [
  { name: "Satisfied (experience above expectation)", color: "#1d7a46" },
  { name: "Met", color: "#98a2b3" },
  { name: "Dissatisfied", color: "#b42318" },
  { name: "Mean experience / expectation", color: "#2b6cb0" },
];

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(0)}%`);

/** Satisfaction over the chosen days, by assignee, channel and period. */
export default function SatisfactionCharts() {
  const [days, setDays] = useState(90);
  const [period, setPeriod] = useState(SatisfactionGrouping.WEEK);
  // The range ends when the screen opened: a fixed query, not one per render.
  const [end] = useState(() => new Date());
  const range = useMemo(() => ({ from: timestampFromDate(new Date(end.getTime() - days * 86_400_000)), to: timestampFromDate(end) }), [end, days]);
  const what = `the last ${days} days`;
  return (
    <>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Satisfaction range">
        <Field label="Responses of the last">
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[30, 90, 365].map((d) => <option key={d} value={d}>{d} days</option>)}
          </select>
        </Field>
        <Field label="Period">
          <select value={period} onChange={(e) => setPeriod(Number(e.target.value))}>
            <option value={SatisfactionGrouping.DAY}>day</option>
            <option value={SatisfactionGrouping.WEEK}>week</option>
            <option value={SatisfactionGrouping.MONTH}>month</option>
          </select>
        </Field>
      </form>
      <div className="charts">
        <Grouped by={SatisfactionGrouping.ASSIGNEE} title="Satisfaction by assignee" name="satisfaction-by-assignee" range={range} what={what} horizontal />
        <Grouped by={SatisfactionGrouping.CHANNEL} title="Satisfaction by channel" name="satisfaction-by-channel" range={range} what={what} horizontal />
        <Grouped by={period} title={`Satisfaction by ${periodName(period)}`} name={`satisfaction-by-${periodName(period)}`} range={range} what={what} />
      </div>
    </>
  );
}

function periodName(p: SatisfactionGrouping): string {
  return p === SatisfactionGrouping.DAY ? "day" : p === SatisfactionGrouping.MONTH ? "month" : "week";
}

type Range = { from: ReturnType<typeof timestampFromDate>; to: ReturnType<typeof timestampFromDate> };

function Grouped({ by, title, name, range, what, horizontal = false }: { by: SatisfactionGrouping; title: string; name: string; range: Range; what: string; horizontal?: boolean }) {
  const q = useQuery(InteractionService.method.getSatisfactionStatistics, { groupBy: by, occurTimeFrom: range.from, occurTimeTo: range.to, timeZone: browserTimeZone() });
  const rows = useMemo(() => (q.data ? satisfactionRows(q.data.groups, by) : []), [q.data, by]);
  const option = useMemo(() => satisfactionOption(rows, horizontal), [rows, horizontal]);
  const total = q.data?.total;
  return (
    <Section title={title} actions={q.data && <CSVButton name={name} header={satisfactionHeader(by)} rows={rows.map(satisfactionCSVRow)} />}>
      {q.isPending && <Loading what="the responses" />}
      <ErrorBox error={q.error} title="The satisfaction figures could not be read" />
      {q.data && rows.length === 0 && <p>No response recorded in {what}.</p>}
      {total && rows.length > 0 && (
        <p className="note">
          {String(total.responses)} responses in {what}: {pct(satisfiedShare({ responses: Number(total.responses), satisfied: Number(total.satisfied) }))} satisfied, mean experience / expectation {total.meanRatio.toFixed(2)}.
        </p>
      )}
      {rows.length > 0 && (
        <Chart option={option} label={`${title}: responses satisfied, met and dissatisfied, and the mean of experience over expectation`} height={horizontal ? Math.max(160, 40 + rows.length * 28) : 280} legend={legend} />
      )}
    </Section>
  );
}

/** Stacked response counts per group, with the mean ratio on its own axis. */
function satisfactionOption(rows: SatisfactionRow[], horizontal: boolean): ChartOption {
  const keys = rows.map((r) => r.key);
  const count = { type: "value" as const, name: "Responses", nameLocation: "middle" as const, nameGap: horizontal ? 24 : 40, minInterval: 1 };
  const ratio = { type: "value" as const, name: "Mean ratio", min: 0, splitLine: { show: false } };
  const cat = { type: "category" as const, data: keys, axisLabel: { width: 110, overflow: "truncate" as const } };
  const bar = (nm: string, data: number[]) => ({ type: "bar" as const, stack: "all", name: nm, data });
  return {
    tooltip: { trigger: "axis" },
    grid: horizontal ? { left: 16, right: 40, top: 26, bottom: 30, containLabel: true } : { left: 56, right: 50, top: 30, bottom: 40 },
    xAxis: horizontal ? [count, { ...ratio, position: "top" }] : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : [count, ratio],
    series: [
      bar("Satisfied (experience above expectation)", rows.map((r) => r.satisfied)),
      bar("Met", rows.map((r) => r.met)),
      bar("Dissatisfied", rows.map((r) => r.dissatisfied)),
      {
        type: "line",
        name: "Mean experience / expectation",
        data: rows.map((r) => (r.meanRatio === null ? null : Math.round(r.meanRatio * 100) / 100)),
        ...(horizontal ? { xAxisIndex: 1 } : { yAxisIndex: 1 }),
      },
    ],
  } as ChartOption;
}
