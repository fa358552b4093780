import { useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { CustomerService } from "../api";
import { LifecycleStage, type Customer } from "@gen/crm/customer/v1/customer_pb.js";
import { Link, useLocation } from "../router";
import { ErrorBox, Field, Loading, problemOrUndefined } from "../ui";
import { fieldError } from "../errors";
import { day, idOf, label } from "../format";
import { useDebounced } from "../useDebounced";

const PAGE = 25;

/** Customers: search as you type, or the list with filters and pages. */
export function Customers() {
  const erased = useLocation().params.get("erased");
  const [text, setText] = useState("");
  const query = useDebounced(text.trim(), 250);
  const [stage, setStage] = useState(0);
  const [country, setCountry] = useState("");
  const [tag, setTag] = useState("");
  // Page tokens of the pages before this one, to go back.
  const [pages, setPages] = useState<string[]>([""]);
  const token = pages[pages.length - 1];
  const filter = { lifecycleStage: stage, countryCode: country.trim().toUpperCase(), tag: tag.trim() };
  const searching = query !== "";
  const search = useQuery(CustomerService.method.searchCustomers, { query, pageSize: PAGE, pageToken: token }, { enabled: searching });
  const list = useQuery(CustomerService.method.listCustomers, { pageSize: PAGE, pageToken: token, filter, orderBy: "display_name" }, { enabled: !searching });
  const q = searching ? search : list;
  const reset = () => setPages([""]);
  const problem = problemOrUndefined(q.error);
  return (
    <>
      <h1>Customers</h1>
      {erased && <p className="notice" role="status">Customer {erased} was erased.</p>}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search" hint="Name, e-mail or phone">
          <input type="search" value={text} onChange={(e) => { setText(e.target.value); reset(); }} placeholder="Ada, ada@example.com, +44…" autoFocus />
        </Field>
        <Field label="Lifecycle stage">
          <select value={stage} disabled={searching} onChange={(e) => { setStage(Number(e.target.value)); reset(); }}>
            <option value={0}>any</option>
            {[1, 2, 3, 4, 5, 6].map((s) => (
              <option key={s} value={s}>{label(LifecycleStage, s, "LIFECYCLE_STAGE_")}</option>
            ))}
          </select>
        </Field>
        <Field label="Country" error={fieldError(problem, "country_code")}>
          <input value={country} disabled={searching} maxLength={2} size={3} onChange={(e) => { setCountry(e.target.value); reset(); }} placeholder="DE" />
        </Field>
        <Field label="Tag" error={fieldError(problem, "tag")}>
          <input value={tag} disabled={searching} onChange={(e) => { setTag(e.target.value); reset(); }} />
        </Field>
      </form>
      {q.isPending && <Loading what="customers" />}
      <ErrorBox error={q.error} title="The customers could not be read" />
      {q.data && <CustomerTable customers={q.data.customers} />}
      {q.data && q.data.customers.length === 0 && <p>No customer {searching ? `matches “${query}”` : "matches these filters"}.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>← Previous</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!q.data?.nextPageToken} onClick={() => setPages([...pages, q.data!.nextPageToken])}>Next →</button>
      </nav>
    </>
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
