import { useMemo, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { CustomerService } from "../api";
import { LifecycleStage, type Customer } from "@gen/crm/customer/v1/customer_pb.js";
import { Link, navigate, useLocation } from "../router";
import { ErrorBox, Field, Loading, problemOrUndefined } from "../ui";
import { fieldError } from "../errors";
import { day, idOf, label } from "../format";
import { useDebounced } from "../useDebounced";
import { attrTypes, emptyQuery, isFiltered, listRequest, orders, paramsFromQuery, queryFromParams, type AttrCondition, type AttrType, type CustomerQuery } from "../customerFilter";

const PAGE = 25;

const orderLabels: Record<string, string> = {
  "display_name": "name, A to Z",
  "display_name desc": "name, Z to A",
  "create_time desc": "newest first",
  "create_time": "oldest first",
  "update_time desc": "changed last first",
  "update_time": "changed first first",
};

/**
 * Customers: search as you type, or the list with every filter
 * ListCustomers offers, and pages. The query lives in the address, so a
 * filtered list can be linked (each change replaces the address rather
 * than adding to the history: typing would fill it).
 */
export function Customers() {
  const { params } = useLocation();
  const erased = params.get("erased");
  const key = params.toString();
  const query = useMemo(() => queryFromParams(new URLSearchParams(key)), [key]);
  const set = (patch: Partial<CustomerQuery>) => {
    const p = paramsFromQuery({ ...query, ...patch });
    navigate("/customers" + (p.size ? "?" + p : ""), true);
  };
  // The calls follow the query once typing settles.
  const settledKey = useDebounced(paramsFromQuery(query).toString(), 250);
  const settled = useMemo(() => queryFromParams(new URLSearchParams(settledKey)), [settledKey]);
  const text = settled.q.trim();
  const searching = text !== "";
  const { request, problems } = useMemo(() => listRequest(settled), [settled]);
  // Page tokens of the pages before this one, to go back; a new query starts at its first page.
  const [paging, setPaging] = useState({ key: settledKey, pages: [""] });
  const pages = paging.key === settledKey ? paging.pages : [""];
  const setPages = (p: string[]) => setPaging({ key: settledKey, pages: p });
  const token = pages[pages.length - 1];
  const search = useQuery(CustomerService.method.searchCustomers, { query: text, pageSize: PAGE, pageToken: token }, { enabled: searching });
  const list = useQuery(CustomerService.method.listCustomers, { ...request, pageSize: PAGE, pageToken: token }, { enabled: !searching && problems.length === 0 });
  const q = searching ? search : list;
  const problem = problemOrUndefined(q.error);
  // A violation found here or by the service, by the request field it names.
  const err = (field: string) => problems.find((p) => p.field.endsWith("." + field))?.description ?? fieldError(problem, field);
  // The less used filters are folded away unless a linked list uses them.
  const [open, setOpen] = useState(() => query.owner !== "" || query.createdFrom + query.createdTo + query.updatedFrom + query.updatedTo !== "" || query.attrs.length > 0 || query.deleted);
  return (
    <>
      <h1>Customers</h1>
      {erased && <p className="notice" role="status">Customer {erased} was erased.</p>}
      <form className="filters" role="search" aria-label="Customers" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search" hint="Name, e-mail or phone; the filters apply to the list without a search">
          <input type="search" value={query.q} onChange={(e) => set({ q: e.target.value })} placeholder="Ada, ada@example.com, +44…" autoFocus />
        </Field>
        <Field label="Lifecycle stage">
          <select value={query.stage} disabled={searching} onChange={(e) => set({ stage: Number(e.target.value) })}>
            <option value={0}>any</option>
            {[1, 2, 3, 4, 5, 6].map((s) => (
              <option key={s} value={s}>{label(LifecycleStage, s, "LIFECYCLE_STAGE_")}</option>
            ))}
          </select>
        </Field>
        <Field label="Country" error={err("country_code")}>
          <input value={query.country} disabled={searching} maxLength={2} size={3} onChange={(e) => set({ country: e.target.value })} placeholder="DE" />
        </Field>
        <Field label="Tag" error={err("tag")}>
          <input value={query.tag} disabled={searching} size={12} onChange={(e) => set({ tag: e.target.value })} />
        </Field>
        <Field label="Order">
          <select value={query.order} disabled={searching} onChange={(e) => set({ order: e.target.value })}>
            {orders.map((o) => <option key={o} value={o}>{orderLabels[o]}</option>)}
          </select>
        </Field>
        {isFiltered(query) && (
          <button type="button" className="small clear" onClick={() => set({ ...emptyQuery, q: query.q })}>Clear filters</button>
        )}
      </form>
      <details className="more-filters" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>More filters</summary>
        <fieldset className="filters" disabled={searching} aria-label="More filters">
          <Field label="Owner" error={err("owner")}>
            <input value={query.owner} size={12} onChange={(e) => set({ owner: e.target.value })} />
          </Field>
          <Field label="Created from">
            <input type="date" value={query.createdFrom} onChange={(e) => set({ createdFrom: e.target.value })} />
          </Field>
          <Field label="Created until" error={err("create_time_to")}>
            <input type="date" value={query.createdTo} onChange={(e) => set({ createdTo: e.target.value })} />
          </Field>
          <Field label="Changed from">
            <input type="date" value={query.updatedFrom} onChange={(e) => set({ updatedFrom: e.target.value })} />
          </Field>
          <Field label="Changed until" error={err("update_time_to")}>
            <input type="date" value={query.updatedTo} onChange={(e) => set({ updatedTo: e.target.value })} />
          </Field>
          <label className="check"><input type="checkbox" checked={query.deleted} onChange={(e) => set({ deleted: e.target.checked })} /> Include deleted</label>
        </fieldset>
        <Attributes attrs={query.attrs} disabled={searching} onChange={(attrs) => set({ attrs })} error={(i) => problems.find((p) => p.field === `filter.attributes[${i}]`)?.description} serviceError={fieldError(problem, "attributes")} />
      </details>
      {q.isPending && q.fetchStatus !== "idle" && <Loading what="customers" />}
      <ErrorBox error={q.error} title="The customers could not be read" />
      {q.data && <CustomerTable customers={q.data.customers} />}
      {q.data && q.data.customers.length === 0 && <p>No customer {searching ? `matches “${text}”` : "matches these filters"}.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>← Previous</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!q.data?.nextPageToken} onClick={() => setPages([...pages, q.data!.nextPageToken])}>Next →</button>
      </nav>
    </>
  );
}

/** Custom attributes that must have exactly the given values (at most 10). */
function Attributes({ attrs, disabled, onChange, error, serviceError }: { attrs: AttrCondition[]; disabled: boolean; onChange: (a: AttrCondition[]) => void; error: (i: number) => string | undefined; serviceError?: string }) {
  const put = (i: number, patch: Partial<AttrCondition>) => onChange(attrs.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  return (
    <fieldset className="attrs" disabled={disabled}>
      <legend>Custom attributes with exactly these values</legend>
      {attrs.map((a, i) => (
        <div className="filters" role="group" aria-label={`Attribute ${i + 1}`} key={i}>
          <Field label="Attribute" error={error(i)}>
            <input value={a.key} size={12} onChange={(e) => put(i, { key: e.target.value })} />
          </Field>
          <Field label="Type">
            <select value={a.type} onChange={(e) => put(i, { type: e.target.value as AttrType })}>
              {attrTypes.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </Field>
          <Field label="Value" hint={a.type === "time" ? "2024-05-31 or 2024-05-31T14:00" : a.type === "bool" ? "true or false" : undefined}>
            <input value={a.value} size={14} onChange={(e) => put(i, { value: e.target.value })} />
          </Field>
          <button type="button" className="small" aria-label={`Remove attribute ${i + 1}`} onClick={() => onChange(attrs.filter((_, j) => j !== i))}>Remove</button>
        </div>
      ))}
      {serviceError && <p className="field-error" role="alert">{serviceError}</p>}
      <button type="button" className="small" disabled={attrs.length >= 10} onClick={() => onChange([...attrs, { key: "", type: "string", value: "" }])}>Add an attribute</button>
    </fieldset>
  );
}

function CustomerTable({ customers }: { customers: Customer[] }) {
  if (customers.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr><th>Name</th><th>E-mail</th><th className="hide-narrow">Phone</th><th className="hide-narrow">Stage</th><th className="hide-narrow">Since</th></tr>
        </thead>
        <tbody>
          {customers.map((c) => (
            <tr key={c.name}>
              <td><Link to={`/customers/${idOf(c.name)}`}>{c.displayName || idOf(c.name)}</Link></td>
              <td>{c.emails.find((e) => e.primary)?.address ?? c.emails[0]?.address ?? "—"}</td>
              <td className="hide-narrow">{c.phones[0]?.number ?? "—"}</td>
              <td className="hide-narrow">{label(LifecycleStage, c.lifecycleStage, "LIFECYCLE_STAGE_")}</td>
              <td className="hide-narrow">{day(c.createTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
