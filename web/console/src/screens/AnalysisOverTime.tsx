// The analysis charts over time: revenue by calendar month and rule
// segment sizes across runs.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { interactions, segmentation } from "../api";
import { InteractionKind } from "@gen/crm/interaction/v1/interaction_pb.js";
import { Chart, palette, type ChartOption, type LegendItem } from "../charts/Chart";
import { monthBoundaries } from "../periods";
import { daysSince, revenueByMonth, type Movement } from "../revenue";
import { segmentSizeSeries, type SegmentSizes } from "../analysis";
import { mapLimit } from "../pool";
import { CSVButton, ErrorBox, Field, Loading, Section } from "../ui";

/**
 * Beyond this many customers to read one by one, the chart is not drawn:
 * the figure needs an aggregate from interaction-log (see the README).
 */
const MAX_CUSTOMERS = 5000;
const PARALLEL = 4;

/** What the month chart reads, and how far it got. */
interface Progress {
  phase: "customers" | "interactions";
  done: number;
  total: number;
}

/**
 * Purchases and refunds in [from, to). interaction-log lists interactions
 * per customer only: the customers who bought in the period or ever
 * refunded are found from SummarizeActivity (one window reaching back to
 * from), then each one's interactions in the period are listed (one call
 * for both kinds: the kind filter takes one kind).
 */
async function readMovements(from: Date, to: Date, now: Date, progress: (p: Progress) => void, signal: AbortSignal): Promise<Movement[]> {
  const customers: string[] = [];
  let seen = 0;
  for await (const m of interactions.summarizeActivity({ windowDays: [daysSince(from, now)] }, { signal })) {
    const a = m.activity;
    if (!a) continue;
    if ((a.windows[0]?.purchases ?? 0n) > 0n || a.refunds > 0n) customers.push(a.customer);
    if (++seen % 100 === 0) progress({ phase: "customers", done: seen, total: 0 });
  }
  if (customers.length > MAX_CUSTOMERS) throw new Error(`${customers.length} customers' purchases and refunds would have to be read one by one; the console stops at ${MAX_CUSTOMERS}`);
  let done = 0;
  progress({ phase: "interactions", done, total: customers.length });
  const lists = await mapLimit(customers, PARALLEL, async (customer) => {
    const out: Movement[] = [];
    let pageToken = "";
    do {
      const r = await interactions.listInteractions({ customer, occurTimeFrom: timestampFromDate(from), occurTimeTo: timestampFromDate(to), pageSize: 500, pageToken }, { signal });
      for (const i of r.interactions) {
        const refund = i.kind === InteractionKind.REFUND;
        const amount = i.kind === InteractionKind.PURCHASE ? i.purchase?.amount : refund ? i.refund?.amount : undefined;
        if (amount && i.occurTime) out.push({ time: timestampDate(i.occurTime), amount, refund });
      }
      pageToken = r.nextPageToken;
    } while (pageToken);
    progress({ phase: "interactions", done: ++done, total: customers.length });
    return out;
  });
  return lists.flat();
}

const revenueLegend: LegendItem[] = [{ name: "Purchases", color: palette[0] }, { name: "Refunds", color: palette[3] }, { name: "Net", color: "#102a43" }];

/** Net revenue by calendar month (the browser's time zone), purchases and refunds apart. */
export function RevenueByMonth({ currency }: { currency: string }) {
  const [months, setMonths] = useState(12);
  const [now] = useState(() => new Date());
  const bounds = useMemo(() => monthBoundaries(now, months), [now, months]);
  const [progress, setProgress] = useState<Progress>();
  const q = useQuery({
    queryKey: ["revenue-by-month", months, now.getTime()],
    queryFn: ({ signal }) => readMovements(bounds[0], bounds[bounds.length - 1], now, setProgress, signal),
    staleTime: 5 * 60_000,
  });
  const rows = useMemo(() => (q.data ? revenueByMonth(q.data, bounds) : undefined), [q.data, bounds]);
  const currencies = useMemo(() => [...new Set(rows?.map((r) => r.currency))], [rows]);
  const [picked, setPicked] = useState("");
  const shown = currencies.includes(picked) ? picked : currencies.includes(currency) ? currency : currencies[0] ?? "";
  const series = rows?.filter((r) => r.currency === shown) ?? [];
  const option = useMemo<ChartOption>(() => ({
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => `${shown} ${Number(v).toFixed(2)}` },
    grid: { left: 16, right: 16, top: 30, bottom: 10, containLabel: true },
    xAxis: { type: "category", data: series.map((r) => r.month) },
    yAxis: { type: "value", name: shown, nameLocation: "end" },
    series: [
      { type: "bar", name: "Purchases", stack: "flow", data: series.map((r) => r.purchases) },
      { type: "bar", name: "Refunds", stack: "flow", data: series.map((r) => -r.refunds) },
      { type: "line", name: "Net", data: series.map((r) => r.net) },
    ],
  }), [series, shown]);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <Section title="Revenue by month" actions={rows && rows.length > 0 && <CSVButton name="revenue-by-month" header={["month", "currency", "purchases", "refunds", "net", "orders"]} rows={rows.map((r) => [r.month, r.currency, r.purchases.toFixed(2), r.refunds.toFixed(2), r.net.toFixed(2), r.orders])} />}>
      <p className="note">Purchases and refunds logged in interaction-log, by calendar month in {zone}, the current month so far; net = purchases − refunds.</p>
      <div className="filters">
        <Field label="Months">
          <select value={months} onChange={(e) => setMonths(Number(e.target.value))}>
            {[12, 24].map((n) => <option key={n} value={n}>the last {n}</option>)}
          </select>
        </Field>
        {currencies.length > 1 && (
          <Field label="Currency">
            <select value={shown} onChange={(e) => setPicked(e.target.value)}>
              {currencies.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </Field>
        )}
      </div>
      {q.isPending && (
        <p className="loading" role="status" aria-live="polite">
          {progress?.phase === "interactions" ? `Reading purchases and refunds: ${progress.done} of ${progress.total} customers…` : `Finding the customers who bought${progress ? ` (${progress.done} read)` : ""}…`}
          {progress?.phase === "interactions" && progress.total > 0 && <progress max={progress.total} value={progress.done} />}
        </p>
      )}
      <ErrorBox error={q.error} title="The revenue could not be read" />
      {rows && rows.length === 0 && <p>No purchase or refund in these months.</p>}
      {rows && rows.length > 0 && (
        <>
          <Chart option={option} label={`Purchases, refunds and net revenue by month in ${shown}`} height={300} legend={revenueLegend} />
          <p className="note" data-testid="revenue-this-month">This month so far: {shown} {series[series.length - 1]?.purchases.toFixed(2)} purchased, {series[series.length - 1]?.orders} orders.</p>
        </>
      )}
    </Section>
  );
}

/** Every rule segment with its sizes at the last 100 completed runs. */
async function readSegmentSizes(signal: AbortSignal): Promise<SegmentSizes[]> {
  const segments: { name: string; displayName: string }[] = [];
  let pageToken = "";
  do {
    const r = await segmentation.listSegments({ pageSize: 100, pageToken }, { signal });
    segments.push(...r.segments);
    pageToken = r.nextPageToken;
  } while (pageToken);
  return mapLimit(segments, PARALLEL, async (s) => {
    const r = await segmentation.listSegmentSizes({ segment: s.name, pageSize: 100 }, { signal });
    return { segment: s.name, title: s.displayName, sizes: r.sizes.map((z) => ({ run: z.run, time: z.time ? timestampDate(z.time) : new Date(0), count: Number(z.count) })) };
  });
}

export function SegmentSizesChart() {
  const q = useQuery({ queryKey: ["segment-sizes"], queryFn: ({ signal }) => readSegmentSizes(signal) });
  const data = useMemo(() => (q.data ? segmentSizeSeries(q.data) : undefined), [q.data]);
  const option = useMemo<ChartOption | undefined>(() => data && ({
    tooltip: { trigger: "axis" },
    grid: { left: 16, right: 24, top: 30, bottom: 30, containLabel: true },
    xAxis: { type: "time", name: "Run completed", nameLocation: "middle", nameGap: 26, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", name: "Members", minInterval: 1 },
    series: data.lines.map((l, i) => ({ type: "line", name: l.title, data: l.points, showSymbol: true, symbolSize: 5, lineStyle: { type: i >= palette.length ? "dashed" : "solid" } })),
  }), [data]);
  // Past the palette's colours, lines repeat them dashed.
  const legend = useMemo(() => data?.lines.map((l, i) => ({ name: l.title, color: palette[i % palette.length], dashed: i >= palette.length })), [data]);
  const points = data?.rows.length ?? 0;
  return (
    <Section title="Segment sizes across runs" actions={data && points > 0 && <CSVButton name="segment-sizes" header={["run", "time", "segment", "members"]} rows={data.rows.map((r) => [r[0], r[1].toISOString(), r[2], r[3]])} />}>
      <p className="note">Members of each rule segment when each of its last 100 runs completed.</p>
      {q.isPending && <Loading what="the segment sizes" />}
      <ErrorBox error={q.error} title="The segment sizes could not be read" />
      {data && points === 0 && <p>No run has completed with a rule segment yet.</p>}
      {option && points > 0 && <Chart option={option} label={`Members of ${data!.lines.length} rule segments at each run`} height={320} legend={legend} />}
    </Section>
  );
}
