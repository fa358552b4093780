import { useMemo, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { SegmentationService, segmentation } from "../api";
import { RunState, type Report, type Run } from "@gen/crm/segmentation/v1/run_pb.js";
import { Chart, type ChartOption } from "../charts/Chart";
import { abcOverBuyers, paretoOverBuyers, pyramidBars, rfmHeat, valueMatrix } from "../analysis";
import { CSVButton, ErrorBox, Loading, Section } from "../ui";
import { idOf, money, when } from "../format";
import { Link } from "../router";
import { RevenueByMonth, SegmentSizesChart } from "./AnalysisOverTime";

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The last run's distributions as charts, each with its figures as CSV. */
export default function Analysis() {
  const report = useQuery(SegmentationService.method.getReport, {});
  const settings = useQuery(SegmentationService.method.getSettings, {});
  const r = report.data?.report;
  const s = settings.data?.settings;
  return (
    <>
      <h1>Analysis</h1>
      <Recompute />
      {report.isPending && <Loading what="the report" />}
      <ErrorBox error={report.error} title="There is no report to show" />
      <ErrorBox error={settings.error} title="The settings could not be read" />
      {r && (
        <>
          <p className="run-info" data-testid="run-info">
            Run <strong>{idOf(r.run)}</strong> of {when(r.time)} · window <strong>{s ? `${s.windowDays} days` : "…"}</strong> · currency{" "}
            <strong>{s?.currencyCode || "…"}</strong> · {String(r.customers)} customers, of whom {String(r.prospects)} never bought · customer equity {money(r.customerEquity)}
          </p>
          <div className="charts">
            <RfmGrid report={r} />
            <ValueMatrix report={r} />
            <Pyramid report={r} currency={s?.currencyCode ?? ""} />
            <Pareto report={r} />
            <Abc report={r} />
          </div>
        </>
      )}
      <h2 className="part">Over time</h2>
      <div className="charts">
        <RevenueByMonth currency={s?.currencyCode ?? ""} />
        <SegmentSizesChart />
      </div>
    </>
  );
}

function Recompute() {
  const qc = useQueryClient();
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  const start = async () => {
    setError(undefined);
    try {
      const started = await segmentation.startRecompute({});
      setRun(started.run);
      for await (const m of segmentation.watchRun({ name: started.run!.name })) setRun(m.run);
      // A run changes the report and the segment sizes, not the revenue (slow to read again).
      await qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "revenue-by-month" });
    } catch (err) {
      setError(err);
    }
  };
  const running = run?.state === RunState.RUNNING;
  return (
    <div className="recompute">
      <button type="button" onClick={start} disabled={running}>Recompute now</button>
      {run && (
        <span role="status" aria-live="polite">
          {running ? "Running" : RunState[run.state].toLowerCase()}: {String(run.processed)} of {String(run.total)} customers
          {run.total > 0n && <progress max={Number(run.total)} value={Number(run.processed)} />}
          {run.error && <span className="field-error"> {run.error}</span>}
        </span>
      )}
      <ErrorBox error={error} title="The recompute did not run" />
    </div>
  );
}

/** Customers of one RFM cell, found by previewing the rule that selects it. */
function CellMembers({ recency, fm, segment, onClose }: { recency: number; fm: number; segment: string; onClose: () => void }) {
  const rule = `scores.recency == ${recency} && scores.fm == ${fm}`;
  const q = useQuery(SegmentationService.method.previewSegment, { rule, sampleSize: 20 });
  return (
    <div className="cell-members" role="region" aria-label={`Customers in R${recency} FM${fm}`}>
      <header>
        <strong>R{recency} · FM{fm} · {segment}</strong>
        <button type="button" className="small" onClick={onClose}>Close</button>
      </header>
      {q.isPending && <Loading what="the customers" />}
      <ErrorBox error={q.error} />
      {q.data && (
        <>
          <p>{String(q.data.memberCount)} customers; the first {q.data.sample.length}:</p>
          <ul className="plain columns">
            {q.data.sample.map((c) => <li key={c}><Link to={`/customers/${idOf(c)}`}>{idOf(c)}</Link></li>)}
          </ul>
        </>
      )}
    </div>
  );
}

function RfmGrid({ report }: { report: Report }) {
  const { points, max } = useMemo(() => rfmHeat(report.rfmGrid), [report]);
  const [cell, setCell] = useState<[number, number, string]>();
  const option = useMemo<ChartOption>(() => ({
    tooltip: { formatter: (p: unknown) => { const d = (p as { data: [number, number, number, string] }).data; return `R${d[0] + 1} FM${d[1] + 1}<br/>${d[3]}: ${d[2]} customers`; } },
    grid: { left: 60, right: 20, top: 10, bottom: 80 },
    xAxis: { type: "category", data: ["1", "2", "3", "4", "5"], name: "Recency score (5 = most recent)", nameLocation: "middle", nameGap: 28, splitArea: { show: true } },
    yAxis: { type: "category", data: ["1", "2", "3", "4", "5"], name: "FM score", nameLocation: "middle", nameGap: 32, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, max), calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, text: ["more", "fewer"], inRange: { color: ["#f1f5fb", "#9ec5ec", "#2b6cb0"] } },
    series: [{
      type: "heatmap", data: points,
      label: { show: true, fontSize: 10, lineHeight: 14, formatter: (p: unknown) => { const d = (p as { data: [number, number, number, string] }).data; return `${d[3].replace(/_/g, " ")}\n${d[2]}`; } },
      emphasis: { itemStyle: { borderColor: "#000", borderWidth: 1 } },
    }],
  }), [points, max]);
  return (
    <Section title="RFM grid" actions={<CSVButton name="rfm-grid" header={["recency", "fm", "segment", "customers"]} rows={points.map((p) => [p[0] + 1, p[1] + 1, p[3], p[2]])} />}>
      <Chart option={option} label="RFM grid: customers per recency and FM score, each cell named by its segment" height={380} onClick={(p) => { const d = p.data as [number, number, number, string]; setCell([d[0] + 1, d[1] + 1, d[3]]); }} />
      <p className="note">Choose a cell to list its customers.</p>
      <label className="sr-only-select">
        Cell
        <select value={cell ? `${cell[0]}:${cell[1]}` : ""} onChange={(e) => { const [r, f] = e.target.value.split(":").map(Number); const p = points.find((x) => x[0] === r - 1 && x[1] === f - 1); if (p) setCell([r, f, p[3]]); }}>
          <option value="">—</option>
          {points.map((p) => <option key={`${p[0]}:${p[1]}`} value={`${p[0] + 1}:${p[1] + 1}`}>R{p[0] + 1} FM{p[1] + 1} {p[3]} ({p[2]})</option>)}
        </select>
      </label>
      {cell && <CellMembers recency={cell[0]} fm={cell[1]} segment={cell[2]} onClose={() => setCell(undefined)} />}
    </Section>
  );
}

function ValueMatrix({ report }: { report: Report }) {
  const cells = useMemo(() => valueMatrix(report.valueMatrix), [report]);
  const option = useMemo<ChartOption>(() => ({
    tooltip: {},
    grid: { left: 70, right: 20, top: 10, bottom: 50 },
    xAxis: { type: "category", data: ["low", "high"], name: "Loyalty: purchases in the window", nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "category", data: ["low", "high"], name: "Value: net spend in the window", nameLocation: "middle", nameGap: 45 },
    visualMap: { show: false, min: 0, max: Math.max(1, ...cells.map((c) => c.count)), inRange: { color: ["#eef4fb", "#2b6cb0"] } },
    series: [{
      type: "heatmap",
      data: cells.map((c) => ({ value: [c.loyalty === "high" ? 1 : 0, c.value === "high" ? 1 : 0, c.count], name: c.title })),
      label: { show: true, lineHeight: 18, formatter: (p: unknown) => { const d = p as { name: string; value: number[] }; return `${d.name}\n${d.value[2]}`; } },
    }],
  }), [cells]);
  return (
    <Section title="Value matrix" actions={<CSVButton name="value-matrix" header={["class", "value", "loyalty", "customers", "share"]} rows={cells.map((c) => [c.cls, c.value, c.loyalty, c.count, c.share.toFixed(4)])} />}>
      <Chart option={option} label="Value matrix: customers by value and loyalty" height={280} />
    </Section>
  );
}

function Pyramid({ report, currency }: { report: Report; currency: string }) {
  const bars = useMemo(() => pyramidBars(report.pyramid), [report]);
  return (
    <Section title="Customer pyramid" actions={<CSVButton name="pyramid" header={["band", "customers", "share"]} rows={bars.map((b) => [b.band, b.count, b.share.toFixed(4)])} />}>
      <p className="note">Bands by net spend in the window{currency && ` (${currency})`}, best first; each bar as wide as its number of customers.</p>
      <ol className="pyramid" aria-label="Customers per pyramid band">
        {bars.map((b) => (
          <li key={b.band}>
            <span className="band">{b.band}</span>
            <span className="bar-track"><span className="bar" style={{ width: `${(b.width * 100).toFixed(2)}%` }} data-count={b.count} /></span>
            <span className="count">{b.count} ({pct(b.share)})</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}

function Pareto({ report }: { report: Report }) {
  const curve = useMemo(() => paretoOverBuyers(report.pareto, Number(report.customers), Number(report.prospects)), [report]);
  const option = useMemo<ChartOption | undefined>(() => curve && ({
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => pct(Number(v)) },
    grid: { left: 60, right: 20, top: 20, bottom: 50 },
    xAxis: { type: "value", min: 0, max: 1, name: "Share of buyers, best first", nameLocation: "middle", nameGap: 28, axisLabel: { formatter: pct } },
    yAxis: { type: "value", min: 0, max: 1, name: "Share of net revenue", nameLocation: "middle", nameGap: 42, axisLabel: { formatter: pct } },
    series: [
      {
        type: "line", name: "Revenue", data: curve.points, showSymbol: false, lineStyle: { width: 2 },
        markLine: { symbol: "none", label: { formatter: `top 20%: ${pct(curve.top20)} of revenue` }, data: [{ xAxis: 0.2 }] },
      },
      { type: "line", name: "Equal shares", data: [[0, 0], [1, 1]], showSymbol: false, lineStyle: { type: "dashed", color: "#999" } },
    ],
  }), [curve]);
  return (
    <Section title="Pareto curve (buyers)" actions={curve && <CSVButton name="pareto-buyers" header={["buyer_share", "revenue_share"]} rows={curve.points.map((p) => [p[0].toFixed(2), p[1].toFixed(4)])} />}>
      {curve && option ? (
        <>
          <Chart option={option} label={`Pareto curve over buyers: the top 20% of buyers bring ${pct(curve.top20)} of net revenue`} />
          <p className="note" data-testid="top20">The top 20% of buyers bring {pct(curve.top20)} of net revenue.</p>
        </>
      ) : (
        <p>No revenue in this run.</p>
      )}
    </Section>
  );
}

function Abc({ report }: { report: Report }) {
  const rows = useMemo(() => abcOverBuyers(report.abc, Number(report.prospects)), [report]);
  const option = useMemo<ChartOption>(() => ({
    tooltip: {},
    grid: { left: 50, right: 20, top: 20, bottom: 40 },
    xAxis: { type: "category", data: rows.map((r) => r.cls), name: "Class", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", name: "Buyers", nameLocation: "middle", nameGap: 38 },
    series: [{ type: "bar", data: rows.map((r) => r.count), label: { show: true, position: "top", formatter: (p: unknown) => { const i = (p as { dataIndex: number }).dataIndex; return `${rows[i].count} (${pct(rows[i].share)})`; } } }],
  }), [rows]);
  return (
    <Section title="ABC classes (buyers)" actions={<CSVButton name="abc-buyers" header={["class", "buyers", "share"]} rows={rows.map((r) => [r.cls, r.count, r.share.toFixed(4)])} />}>
      <Chart option={option} label="ABC classes over buyers" height={260} />
    </Section>
  );
}
