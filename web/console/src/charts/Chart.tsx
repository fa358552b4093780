// An ECharts chart, with only the chart types and components the console
// draws registered (the whole library would double the bundle).
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import { AriaComponent, GridComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { ComposeOption } from "echarts/core";
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption } from "echarts/charts";
import type { GridComponentOption, MarkLineComponentOption, TooltipComponentOption, VisualMapComponentOption, AriaComponentOption } from "echarts/components";

echarts.use([BarChart, HeatmapChart, LineChart, AriaComponent, GridComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | HeatmapSeriesOption | LineSeriesOption | GridComponentOption | MarkLineComponentOption | TooltipComponentOption | VisualMapComponentOption | AriaComponentOption
>;

/** Colours of a chart's series, in order (the legend shows the same). */
export const palette = ["#2b6cb0", "#dd6b20", "#2f855a", "#b42318", "#6b46c1", "#0f7b8a", "#b7791f", "#97266d", "#4a5568", "#68d391"];

/** One series as the legend names it. */
export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

/**
 * A chart with its legend in HTML below it: it wraps at any width, where
 * ECharts' legend would run into the plot on a phone.
 */
export function Chart({ option, label, height = 320, onClick, legend }: { option: ChartOption; label: string; height?: number; onClick?: (params: { data: unknown; dataIndex: number }) => void; legend?: LegendItem[] }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(null);
  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: "svg" });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...(legend ? { color: legend.map((l) => l.color) } : {}), ...option }, true);
  }, [option, legend]);
  useEffect(() => {
    const c = chart.current;
    if (!c || !onClick) return;
    c.on("click", onClick as never);
    return () => {
      c.off("click");
    };
  }, [onClick]);
  // The label names the figure; ECharts' aria component describes the data
  // on the inner element (it replaces that element's aria-label).
  return (
    <div role="figure" aria-label={label}>
      <div ref={el} className="chart" style={{ height }} />
      {legend && (
        <ul className="legend" aria-label="Legend">
          {legend.map((l, i) => (
            <li key={i}>
              <span className={"swatch" + (l.dashed ? " dashed" : "")} style={{ borderColor: l.color, background: l.dashed ? undefined : l.color }} aria-hidden="true" />
              {l.name}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
