// The customer list's query: every condition ListCustomers' CustomerFilter
// offers, plus the order and the search text, kept in the address
// (/customers?stage=...&owner=...) so that a filtered list can be linked.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ListCustomersRequestSchema } from "@gen/crm/customer/v1/customer_service_pb.js";
import { LifecycleStage } from "@gen/crm/customer/v1/customer_pb.js";

/** The kinds of value a custom attribute holds (AttributeValue's oneof). */
export const attrTypes = ["string", "number", "bool", "time"] as const;
export type AttrType = (typeof attrTypes)[number];

/** One custom attribute that must have exactly this value. */
export interface AttrCondition {
  key: string;
  type: AttrType;
  value: string;
}

/** What the list shows; dates are local days ("2024-05-31"), both ends inclusive. */
export interface CustomerQuery {
  q: string;
  stage: LifecycleStage;
  country: string;
  tag: string;
  owner: string;
  createdFrom: string;
  createdTo: string;
  updatedFrom: string;
  updatedTo: string;
  attrs: AttrCondition[];
  order: string;
  deleted: boolean;
}

/** The orders ListCustomers accepts, the first being the list's default. */
export const orders = ["display_name", "display_name desc", "create_time desc", "create_time", "update_time desc", "update_time"] as const;

export const emptyQuery: CustomerQuery = {
  q: "",
  stage: LifecycleStage.UNSPECIFIED,
  country: "",
  tag: "",
  owner: "",
  createdFrom: "",
  createdTo: "",
  updatedFrom: "",
  updatedTo: "",
  attrs: [],
  order: orders[0],
  deleted: false,
};

const stageSlug = (s: LifecycleStage) => (LifecycleStage[s] ?? "").toLowerCase();

function stageOf(slug: string | null): LifecycleStage {
  if (!slug) return LifecycleStage.UNSPECIFIED;
  const v = (LifecycleStage as unknown as Record<string, number>)[slug.toUpperCase()];
  return typeof v === "number" ? v : LifecycleStage.UNSPECIFIED;
}

const dateParams = [
  ["createdFrom", "created_from"],
  ["createdTo", "created_to"],
  ["updatedFrom", "updated_from"],
  ["updatedTo", "updated_to"],
] as const;

/** Reads the query from the address's parameters; what does not parse is left out. */
export function queryFromParams(p: URLSearchParams): CustomerQuery {
  const q: CustomerQuery = { ...emptyQuery, attrs: [] };
  q.q = p.get("q") ?? "";
  q.stage = stageOf(p.get("stage"));
  q.country = p.get("country") ?? "";
  q.tag = p.get("tag") ?? "";
  q.owner = p.get("owner") ?? "";
  for (const [k, param] of dateParams) {
    const v = p.get(param) ?? "";
    q[k] = /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : "";
  }
  // attr=key:type:value; the value may itself hold colons.
  for (const a of p.getAll("attr")) {
    const m = /^([^:]*):(string|number|bool|time):(.*)$/s.exec(a);
    if (m) q.attrs.push({ key: m[1], type: m[2] as AttrType, value: m[3] });
  }
  const order = p.get("order");
  if (order && (orders as readonly string[]).includes(order)) q.order = order;
  q.deleted = p.get("deleted") === "1";
  return q;
}

/** The address's parameters for a query: only what differs from the empty query. */
export function paramsFromQuery(q: CustomerQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.q) p.set("q", q.q);
  if (q.stage) p.set("stage", stageSlug(q.stage));
  if (q.country) p.set("country", q.country);
  if (q.tag) p.set("tag", q.tag);
  if (q.owner) p.set("owner", q.owner);
  for (const [k, param] of dateParams) if (q[k]) p.set(param, q[k]);
  for (const a of q.attrs) p.append("attr", `${a.key}:${a.type}:${a.value}`);
  if (q.order !== emptyQuery.order) p.set("order", q.order);
  if (q.deleted) p.set("deleted", "1");
  return p;
}

/** The start of a local day, "2024-05-31"; with next, the start of the day after. */
export function dayStart(day: string, next = false): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + (next ? 1 : 0));
}

type ListRequest = MessageInitShape<typeof ListCustomersRequestSchema>;
type Filter = NonNullable<ListRequest["filter"]>;
type AttrInit = NonNullable<Filter["attributes"]>[string];

/** What is wrong with a query before it is sent, by the request field it would fill. */
export interface QueryProblem {
  field: string;
  description: string;
}

function attrValue(a: AttrCondition): AttrInit | string {
  switch (a.type) {
    case "string":
      return { kind: { case: "stringValue", value: a.value } };
    case "number": {
      const n = Number(a.value.trim());
      if (a.value.trim() === "" || !isFinite(n)) return "not a number";
      return { kind: { case: "numberValue", value: n } };
    }
    case "bool": {
      const v = a.value.trim().toLowerCase();
      if (v !== "true" && v !== "false") return "true or false";
      return { kind: { case: "boolValue", value: v === "true" } };
    }
    case "time": {
      const t = a.value.trim();
      // A local date and time as a datetime-local field writes it, or a day.
      const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? dayStart(t) : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(t) ? new Date(t) : undefined;
      if (!d || isNaN(d.getTime())) return "a date (2024-05-31) or date and time (2024-05-31T14:00)";
      return { kind: { case: "timeValue", value: timestampFromDate(d) } };
    }
  }
}

/**
 * The ListCustomers request of a query (without page size and token), or
 * what keeps it from being sent. Days are local; an end day is included
 * (the request's end is the start of the next day, which it excludes).
 */
export function listRequest(q: CustomerQuery): { request: ListRequest; problems: QueryProblem[] } {
  const problems: QueryProblem[] = [];
  const filter: Filter = {
    lifecycleStage: q.stage,
    countryCode: q.country.trim().toUpperCase(),
    tag: q.tag.trim(),
    owner: q.owner.trim(),
  };
  if (q.createdFrom) filter.createTimeFrom = timestampFromDate(dayStart(q.createdFrom));
  if (q.createdTo) filter.createTimeTo = timestampFromDate(dayStart(q.createdTo, true));
  if (q.updatedFrom) filter.updateTimeFrom = timestampFromDate(dayStart(q.updatedFrom));
  if (q.updatedTo) filter.updateTimeTo = timestampFromDate(dayStart(q.updatedTo, true));
  if (q.createdFrom && q.createdTo && q.createdFrom > q.createdTo) problems.push({ field: "filter.create_time_to", description: "the last day is before the first" });
  if (q.updatedFrom && q.updatedTo && q.updatedFrom > q.updatedTo) problems.push({ field: "filter.update_time_to", description: "the last day is before the first" });
  const attributes: Record<string, AttrInit> = {};
  const seen = new Set<string>();
  q.attrs.forEach((a, i) => {
    const key = a.key.trim();
    if (key === "") return; // a row still being filled in
    if (seen.has(key)) {
      problems.push({ field: `filter.attributes[${i}]`, description: `${key} is given twice` });
      return;
    }
    seen.add(key);
    const v = attrValue(a);
    if (typeof v === "string") problems.push({ field: `filter.attributes[${i}]`, description: `${key}: ${v}` });
    else attributes[key] = v;
  });
  if (Object.keys(attributes).length > 0) filter.attributes = attributes;
  return { request: { filter, orderBy: q.order, showDeleted: q.deleted }, problems };
}

/** Whether any condition narrows the list (the search text and order aside). */
export function isFiltered(q: CustomerQuery): boolean {
  return paramsFromQuery({ ...q, q: "", order: emptyQuery.order }).size > 0;
}
