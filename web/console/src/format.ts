// Display of API values.
import type { Timestamp } from "@bufbuild/protobuf/wkt";

export interface MoneyLike {
  currencyCode: string;
  units: bigint;
  nanos: number;
}

/** An amount with its currency, for example "EUR 49.90". */
export function money(m: MoneyLike | undefined): string {
  if (!m || m.currencyCode === "") return "—";
  return `${m.currencyCode} ${moneyValue(m).toFixed(2)}`;
}

export function moneyValue(m: MoneyLike): number {
  return Number(m.units) + m.nanos / 1e9;
}

/** A Money from a decimal typed by a user ("49.90"); undefined when it is not one. */
export function parseMoney(currencyCode: string, text: string): MoneyLike | undefined {
  const t = text.trim();
  if (!/^-?\d+(\.\d{1,9})?$/.test(t)) return undefined;
  const neg = t.startsWith("-");
  const [u, f = ""] = t.replace("-", "").split(".");
  const units = BigInt(u);
  const nanos = Number(f.padEnd(9, "0"));
  return { currencyCode, units: neg ? -units : units, nanos: neg ? -nanos : nanos };
}

export function date(ts: Timestamp | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6));
}

/** A time as the user's locale writes it, "—" when unset. */
export function when(ts: Timestamp | undefined): string {
  const d = date(ts);
  return d ? d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";
}

export function day(ts: Timestamp | undefined): string {
  const d = date(ts);
  return d ? d.toLocaleDateString(undefined, { dateStyle: "medium" }) : "—";
}

/** An enum value's label: CASE_STATUS_IN_PROGRESS -> "in progress". */
export function label(enumObj: Record<string | number, string | number>, value: number, prefix: string): string {
  const name = enumObj[value];
  if (typeof name !== "string") return String(value);
  return name.replace(prefix, "").toLowerCase().replace(/_/g, " ");
}

/** The id of a resource name: "customers/abc" -> "abc". */
export function idOf(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** A duration in seconds as "3 h 20 min" or "2 d 4 h". */
export function duration(seconds: number): string {
  if (!isFinite(seconds) || seconds <= 0) return "—";
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
