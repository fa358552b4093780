// The customer page's two irreversible actions: merging another customer in
// (after a side-by-side preview) and erasing (after a typed confirmation).
import { useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { CustomerService, requestId } from "../api";
import { ConsentChannel, CustomerState, type Consent, type Customer } from "@gen/crm/customer/v1/customer_pb.js";
import { ErrorBox, Field, Loading, Section, problemOrUndefined } from "../ui";
import { fieldError } from "../errors";
import { day, idOf, label, when } from "../format";
import { Link, navigate } from "../router";
import { useDebounced } from "../useDebounced";
import { confirmationMatches, eraseWord, mergeBlocker, mergeOutcome } from "../merge";

/** Merge: pick another customer, compare both records with what the survivor keeps, confirm. */
export function MergeAction({ customer: c }: { customer: Customer }) {
  const [open, setOpen] = useState(false);
  const [other, setOther] = useState<Customer>();
  const [done, setDone] = useState("");
  return (
    <Section title="Merge" actions={!open && <button type="button" className="small" onClick={() => { setDone(""); setOpen(true); }}>Merge with…</button>}>
      {done && <p className="notice" role="status">{done}</p>}
      {!open && <p className="note">Merge a duplicate record into this one, or this one into it.</p>}
      {open && !other && <PickCustomer exclude={c.name} onPick={setOther} onCancel={() => setOpen(false)} />}
      {open && other && (
        <MergePreview key={other.name} customer={c} other={other} onBack={() => setOther(undefined)} onDone={(what) => { setOther(undefined); setOpen(false); setDone(what); }} />
      )}
    </Section>
  );
}

function PickCustomer({ exclude, onPick, onCancel }: { exclude: string; onPick: (c: Customer) => void; onCancel: () => void }) {
  const [text, setText] = useState("");
  const query = useDebounced(text.trim(), 250);
  const q = useQuery(CustomerService.method.searchCustomers, { query, pageSize: 10 }, { enabled: query !== "" });
  const found = q.data?.customers.filter((x) => x.name !== exclude) ?? [];
  return (
    <form role="search" aria-label="Find the other customer" onSubmit={(e) => e.preventDefault()}>
      <Field label="Other customer" hint="Name, e-mail or phone">
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      </Field>
      {query !== "" && q.isFetching && <Loading what="customers" />}
      <ErrorBox error={q.error} title="The search failed" />
      {q.data && found.length === 0 && <p>No other customer found.</p>}
      <ul className="plain picks" aria-label="Customers found">
        {found.map((x) => (
          <li key={x.name}>
            <button type="button" className="small" onClick={() => onPick(x)}>
              {x.displayName || x.id}
            </button>{" "}
            <small>{x.emails[0]?.address ?? ""} {x.phones[0]?.number ?? ""} · {label(CustomerState, x.state, "CUSTOMER_STATE_")}</small>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function consentText(k: Consent): string {
  return `${label(ConsentChannel, k.channel, "CONSENT_CHANNEL_")} (${k.purpose || "marketing"}): ${k.granted ? "granted" : "refused"} ${day(k.time)}`;
}

function Lines({ items }: { items: string[] }) {
  if (items.length === 0) return <>—</>;
  return <ul className="plain">{items.map((s) => <li key={s}>{s}</li>)}</ul>;
}

function MergePreview({ customer, other, onBack, onDone }: { customer: Customer; other: Customer; onBack: () => void; onDone: (what: string) => void }) {
  const qc = useQueryClient();
  // This page's customer survives unless the user chooses the other one.
  const [keepThis, setKeepThis] = useState(true);
  const survivor = keepThis ? customer : other;
  const loser = keepThis ? other : customer;
  // One key per pair, so a retry after a lost answer is not a second merge.
  const [ids] = useState(() => ({ keepThis: requestId(), keepOther: requestId() }));
  const merge = useMutation(CustomerService.method.mergeCustomers, {
    onSuccess: async (res) => {
      await qc.invalidateQueries();
      onDone(`Merged ${loser.displayName || loser.id} into ${survivor.displayName || survivor.id}` + (res.merge?.fieldsFromLoser.length ? ` (kept ${res.merge.fieldsFromLoser.join(", ")}).` : "."));
      if (res.customer && res.customer.name !== customer.name) navigate(`/customers/${idOf(res.customer.name)}?merged=${idOf(customer.name)}`);
    },
  });
  const outcome = mergeOutcome(survivor, loser);
  const blocker = mergeBlocker(survivor, loser, CustomerState.ACTIVE);
  const row = (title: string, f: (x: Customer) => ReactNode, after: ReactNode) => (
    <tr><th scope="row">{title}</th><td>{f(survivor)}</td><td>{f(loser)}</td><td>{after}</td></tr>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    merge.mutate({ survivor: survivor.name, loser: loser.name, requestId: keepThis ? ids.keepThis : ids.keepOther });
  };
  return (
    <form onSubmit={submit} aria-label="Merge preview">
      <fieldset className="choice">
        <legend>Which record remains?</legend>
        <label><input type="radio" name="survivor" checked={keepThis} onChange={() => setKeepThis(true)} /> this one ({customer.displayName || customer.id})</label>
        <label><input type="radio" name="survivor" checked={!keepThis} onChange={() => setKeepThis(false)} /> the other ({other.displayName || other.id})</label>
      </fieldset>
      <div className="table-wrap">
        <table className="compact merge-preview">
          <thead><tr><th></th><th scope="col">Remains</th><th scope="col">Merged in</th><th scope="col">After the merge</th></tr></thead>
          <tbody>
            {row("Name", (x) => <Link to={`/customers/${x.id}`}>{x.displayName || x.id}</Link>, outcome.displayName)}
            {row("E-mails", (x) => <Lines items={x.emails.map((e) => e.address)} />, <Lines items={outcome.emails} />)}
            {row("Phones", (x) => <Lines items={x.phones.map((p) => p.number)} />, <Lines items={outcome.phones} />)}
            {row("Consents", (x) => <Lines items={x.consents.map(consentText)} />, <Lines items={outcome.consents.map(consentText)} />)}
            {row("State", (x) => label(CustomerState, x.state, "CUSTOMER_STATE_"), `${label(CustomerState, CustomerState.ACTIVE, "CUSTOMER_STATE_")} / ${label(CustomerState, CustomerState.MERGED, "CUSTOMER_STATE_")}`)}
            {row("Created", (x) => when(x.createTime), when(survivor.createTime))}
          </tbody>
        </table>
      </div>
      <p className="note" data-testid="merge-takes">
        {outcome.fromLoser.length ? `Taken from the merged-in record: ${outcome.fromLoser.join(", ")}.` : "The merged-in record adds nothing the remaining one lacks."}{" "}
        Tags, addresses, attributes and empty fields are united as well; the merged-in record is kept read-only, pointing at the one that remains.
      </p>
      {blocker && <p className="field-error" role="alert">Cannot merge: {blocker}.</p>}
      <ErrorBox error={merge.error} title="Not merged" />
      {merge.isPending && <Loading what="the merge" />}
      <div className="actions">
        <button type="submit" disabled={!!blocker || merge.isPending}>Merge {loser.displayName || loser.id} into {survivor.displayName || survivor.id}</button>
        <button type="button" onClick={onBack}>Choose another</button>
      </div>
    </form>
  );
}

/** Erase: the user types the customer's name (or the word shown) and a reason before the button is enabled. */
export function EraseAction({ customer: c }: { customer: Customer }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [reason, setReason] = useState("");
  // One key per opening of the form, so a retry is not a second erase.
  const [rid, setRid] = useState("");
  const erase = useMutation(CustomerService.method.eraseCustomer, {
    onSuccess: () => navigate(`/customers?erased=${encodeURIComponent(c.id || idOf(c.name))}`),
  });
  const word = eraseWord(c.displayName);
  const ok = confirmationMatches(typed, word) && reason.trim() !== "";
  const problem = problemOrUndefined(erase.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ok) erase.mutate({ name: c.name, reason: reason.trim(), requestId: rid });
  };
  return (
    <Section title="Erase" actions={!open && <button type="button" className="small danger" onClick={() => { setRid(requestId()); setOpen(true); }}>Erase…</button>}>
      {!open ? (
        <p className="note">Removes the customer's personal data for good (a privacy request).</p>
      ) : (
        <form onSubmit={submit} aria-label="Erase the customer">
          <p role="note">
            This cannot be undone. Type <strong className="confirm-word">{word}</strong> to confirm.
          </p>
          <Field label="Reason" hint="For example the privacy request's reference; no personal data" error={fieldError(problem, "reason")}>
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} required autoFocus />
          </Field>
          <Field label={`Type ${word} to confirm`}>
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <ErrorBox error={erase.error} title="Not erased" />
          {erase.isPending && <Loading what="the erasure" />}
          <div className="actions">
            <button type="submit" className="danger" disabled={!ok || erase.isPending}>Erase for good</button>
            <button type="button" onClick={() => { setOpen(false); setTyped(""); setReason(""); erase.reset(); }}>Cancel</button>
          </div>
        </form>
      )}
    </Section>
  );
}
