import { useCallback, useState, type FormEvent } from "react";
import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { CustomerService, InteractionService, LoyaltyService, SegmentationService, requestId } from "../api";
import { ConsentChannel, CustomerState, LifecycleStage, type Customer } from "@gen/crm/customer/v1/customer_pb.js";
import { Channel, Direction, InteractionKind } from "@gen/crm/interaction/v1/interaction_pb.js";
import { CasePriority, CaseStatus } from "@gen/crm/interaction/v1/case_pb.js";
import { EntryType } from "@gen/crm/loyalty/v1/account_pb.js";
import type { Program } from "@gen/crm/loyalty/v1/program_pb.js";
import { ErrorBox, Field, Loading, Section, Sentinel, problemOrUndefined } from "../ui";
import { fieldError, isConflict, problemOf } from "../errors";
import { day, idOf, label, money, parseMoney, when } from "../format";
import { Link, useLocation } from "../router";
import { EraseAction, MergeAction } from "./CustomerActions";
import { CustomerAudit } from "./CustomerAudit";

/** How long after logging an interaction the page watches for its effects (points, grades). */
const FOLLOW_MS = 90_000;

export function CustomerPage({ id }: { id: string }) {
  const name = `customers/${id}`;
  const q = useQuery(CustomerService.method.getCustomer, { name });
  const [followUntil, setFollowUntil] = useState(0);
  const following = followUntil > Date.now();
  const merged = useLocation().params.get("merged");
  if (q.isPending) return <Loading what="the customer" />;
  if (q.error) return <ErrorBox error={q.error} title="The customer could not be read" />;
  const c = q.data.customer!;
  return (
    <>
      <h1>{c.displayName || id}</h1>
      {c.mergedInto && (
        <p className="note">
          Merged into <Link to={`/customers/${idOf(c.mergedInto)}`}>{idOf(c.mergedInto)}</Link>.
        </p>
      )}
      {merged && <p className="notice" role="status">Merged {merged} into this customer.</p>}
      <div className="grid">
        <Profile customer={c} />
        <Grades customer={name} follow={following} />
        <LoyaltyAccounts customer={name} follow={following} />
        <OpenCases customer={name} />
        <LogInteraction customer={name} onLogged={() => setFollowUntil(Date.now() + FOLLOW_MS)} />
        <Merges customer={name} />
        {c.state === CustomerState.ACTIVE && <MergeAction customer={c} />}
        {c.state === CustomerState.ACTIVE && <EraseAction customer={c} />}
      </div>
      <Timeline customer={name} />
      <CustomerAudit customer={name} />
    </>
  );
}

function Profile({ customer: c }: { customer: Customer }) {
  const [editing, setEditing] = useState(false);
  return (
    <Section title="Profile" actions={!editing && <button type="button" className="small" onClick={() => setEditing(true)}>Edit</button>}>
      {editing ? (
        <EditProfile customer={c} onDone={() => setEditing(false)} />
      ) : (
        <dl className="facts">
          <dt>Kind</dt><dd>{c.kind === 2 ? "organisation" : "person"}</dd>
          {c.legalName && (<><dt>Legal name</dt><dd>{c.legalName}</dd></>)}
          <dt>E-mail</dt><dd>{c.emails.map((e) => e.address + (e.primary ? " (primary)" : "")).join(", ") || "—"}</dd>
          <dt>Phone</dt><dd>{c.phones.map((p) => p.number).join(", ") || "—"}</dd>
          <dt>Address</dt><dd>{c.addresses.map((a) => [...a.lines, a.postalCode + " " + a.locality, a.countryCode].filter((x) => x.trim()).join(", ")).join("; ") || "—"}</dd>
          <dt>Country</dt><dd>{c.demographics?.countryCode || "—"}</dd>
          <dt>Stage</dt><dd>{label(LifecycleStage, c.lifecycleStage, "LIFECYCLE_STAGE_")}</dd>
          <dt>Owner</dt><dd>{c.owner || "—"}</dd>
          <dt>Tags</dt><dd>{c.tags.join(", ") || "—"}</dd>
          <dt>Consents</dt>
          <dd>
            {c.consents.length === 0 ? "none recorded" : (
              <ul className="plain">
                {c.consents.map((k) => (
                  <li key={k.channel}>{label(ConsentChannel, k.channel, "CONSENT_CHANNEL_")}: {k.granted ? "granted" : "refused"} {day(k.time)} ({k.source})</li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Updated</dt><dd>{when(c.updateTime)}</dd>
        </dl>
      )}
    </Section>
  );
}

/** Edits a few fields with the etag read; a stale etag is shown as a conflict to resolve. */
function EditProfile({ customer: c, onDone }: { customer: Customer; onDone: () => void }) {
  const qc = useQueryClient();
  const [displayName, setDisplayName] = useState(c.displayName);
  const [owner, setOwner] = useState(c.owner);
  const [tags, setTags] = useState(c.tags.join(", "));
  const [base, setBase] = useState(c);
  const [theirs, setTheirs] = useState<Customer>();
  const update = useMutation(CustomerService.method.updateCustomer);
  const get = useMutation(CustomerService.method.getCustomer);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await update.mutateAsync({
        customer: { name: c.name, etag: base.etag, displayName, owner, tags: tags.split(",").map((t) => t.trim()).filter(Boolean) },
        updateMask: create(FieldMaskSchema, { paths: ["display_name", "owner", "tags"] }),
        requestId: requestId(),
      });
      await qc.invalidateQueries();
      onDone();
    } catch (err) {
      if (isConflict(problemOf(err))) {
        const cur = await get.mutateAsync({ name: c.name });
        setTheirs(cur.customer);
      }
    }
  };
  const problem = problemOrUndefined(update.error);
  const conflict = problem && isConflict(problem) && theirs;
  return (
    <form onSubmit={save} aria-label="Edit profile">
      <Field label="Display name" error={fieldError(problem, "display_name")}>
        <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
      </Field>
      <Field label="Owner" error={fieldError(problem, "owner")}>
        <input value={owner} onChange={(e) => setOwner(e.target.value)} />
      </Field>
      <Field label="Tags" hint="Separated by commas" error={fieldError(problem, "tags")}>
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </Field>
      {conflict ? (
        <div className="conflict" role="alert">
          <strong>Someone else changed this customer since you opened it.</strong>
          <table>
            <thead><tr><th></th><th>Now saved</th><th>Yours</th></tr></thead>
            <tbody>
              <tr><th>Display name</th><td>{theirs.displayName}</td><td>{displayName}</td></tr>
              <tr><th>Owner</th><td>{theirs.owner || "—"}</td><td>{owner || "—"}</td></tr>
              <tr><th>Tags</th><td>{theirs.tags.join(", ") || "—"}</td><td>{tags || "—"}</td></tr>
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={() => { setBase(theirs); setTheirs(undefined); update.reset(); }}>Keep mine (save over theirs)</button>
            <button type="button" onClick={() => { setDisplayName(theirs.displayName); setOwner(theirs.owner); setTags(theirs.tags.join(", ")); setBase(theirs); setTheirs(undefined); update.reset(); }}>Take theirs</button>
          </div>
        </div>
      ) : (
        <ErrorBox error={update.error} title="Not saved" />
      )}
      <div className="actions">
        <button type="submit" disabled={update.isPending}>Save</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function Grades({ customer, follow }: { customer: string; follow: boolean }) {
  const q = useQuery(SegmentationService.method.getCustomerSegments, { customer }, { refetchInterval: follow ? 2000 : false });
  return (
    <Section title="Segments and grades">
      {q.isPending && <Loading what="the grades" />}
      <ErrorBox error={q.error} title="The grades could not be read" />
      {q.data && (() => {
        const s = q.data.facts?.scores;
        const m = q.data.facts?.metrics;
        return (
          <>
            <dl className="facts">
              <dt>RFM</dt><dd>R{String(s?.recency)} F{String(s?.frequency)} M{String(s?.monetary)} · <strong>{s?.rfmSegment || "—"}</strong></dd>
              <dt>Value</dt><dd>{s?.valueClass || "—"} · pyramid {s?.pyramidBand || "—"} · ABC {s?.abcClass || "—"}</dd>
              <dt>Stage</dt><dd>{s?.lifecycleStage || "—"}{s?.churnWarning ? ` · churn warning (${s.churnReasons.join(", ")})` : ""}</dd>
              <dt>Purchases</dt><dd data-testid="purchases">{String(m?.purchases ?? 0)} · {money(q.data.amount)}</dd>
              <dt>Lifetime value</dt><dd>{money(q.data.clv)} {q.data.clvNote && <small>({q.data.clvNote})</small>}</dd>
              <dt>Scored</dt><dd>{when(q.data.scoreTime)}</dd>
            </dl>
            <h3>Rule segments</h3>
            <ul className="plain segments">
              {q.data.segments.map((g) => (
                <li key={g.segment} data-member={g.member}>
                  <span className={g.member ? "badge yes" : "badge no"}>{g.member ? "member" : "not a member"}</span>{" "}
                  {g.displayName || g.segment}
                  {g.error && <span className="field-error"> {g.error}</span>}
                  <small className="values">{Object.entries(g.values).map(([k, v]) => `${k} = ${v}`).join(", ")}</small>
                </li>
              ))}
            </ul>
          </>
        );
      })()}
    </Section>
  );
}

function LoyaltyAccounts({ customer, follow }: { customer: string; follow: boolean }) {
  const programs = useQuery(LoyaltyService.method.listPrograms, { pageSize: 20 });
  return (
    <Section title="Loyalty">
      {programs.isPending && <Loading what="the programs" />}
      <ErrorBox error={programs.error} title="The loyalty programs could not be read" />
      {programs.data?.programs.length === 0 && <p>No loyalty program yet.</p>}
      {programs.data?.programs.map((p) => <Account key={p.name} program={p} customer={customer} follow={follow} />)}
    </Section>
  );
}

function Account({ program, customer, follow }: { program: Program; customer: string; follow: boolean }) {
  const q = useQuery(LoyaltyService.method.getAccount, { program: program.name, customer }, { refetchInterval: follow ? 2000 : false });
  const statement = useQuery(LoyaltyService.method.listLedgerEntries, { program: program.name, customer, pageSize: 10 }, { enabled: !!q.data, refetchInterval: follow ? 2000 : false });
  const qc = useQueryClient();
  const enrol = useMutation(LoyaltyService.method.enrolCustomer, { onSuccess: () => qc.invalidateQueries() });
  const notEnrolled = q.error instanceof ConnectError && q.error.code === Code.NotFound;
  const a = q.data?.account;
  const tierGoal = a && a.nextTier ? Number(a.qualifyingPoints) + Number(a.pointsToNextTier) : 0;
  return (
    <div className="account">
      <h3>{program.displayName}</h3>
      {q.isPending && <Loading what="the account" />}
      {notEnrolled ? (
        <p>
          Not enrolled.{" "}
          <button type="button" className="small" onClick={() => enrol.mutate({ program: program.name, customer })}>Enrol</button>
          <ErrorBox error={enrol.error} title="Not enrolled" />
        </p>
      ) : (
        <ErrorBox error={q.error} title="The account could not be read" />
      )}
      {a && (
        <>
          <dl className="facts">
            <dt>Balance</dt><dd data-testid="balance">{String(a.balance)} points</dd>
            {a.pending > 0n && (<><dt>Pending</dt><dd>{String(a.pending)}</dd></>)}
            {a.debt > 0n && (<><dt>Debt</dt><dd>{String(a.debt)}</dd></>)}
            <dt>Tier</dt><dd>{a.tier || "—"}</dd>
            {a.expiringSoon > 0n && (<><dt>Expiring soon</dt><dd>{String(a.expiringSoon)}</dd></>)}
          </dl>
          {a.nextTier && (
            <div className="progress">
              <label>
                {a.pointsToNextTier > 0n ? `${String(a.pointsToNextTier)} points` : money(a.spendToNextTier)} to {a.nextTier}
                <progress max={tierGoal || 1} value={Number(a.qualifyingPoints)} />
              </label>
            </div>
          )}
          <h4>Statement</h4>
          <ErrorBox error={statement.error} title="The statement could not be read" />
          <table className="compact">
            <thead><tr><th>When</th><th>What</th><th className="num">Points</th><th className="num">Balance</th></tr></thead>
            <tbody>
              {statement.data?.entries.map((e) => (
                <tr key={e.name}>
                  <td>{day(e.time)}</td>
                  <td>{label(EntryType, e.type, "ENTRY_TYPE_")}{e.reason ? `: ${e.reason}` : ""}</td>
                  <td className="num">{String(e.points)}</td>
                  <td className="num">{String(e.balanceAfter)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function OpenCases({ customer }: { customer: string }) {
  const q = useQuery(InteractionService.method.listCases, { customer, pageSize: 50 });
  const open = q.data?.cases.filter((k) => k.status === CaseStatus.OPEN || k.status === CaseStatus.IN_PROGRESS) ?? [];
  return (
    <Section title="Open cases">
      {q.isPending && <Loading what="the cases" />}
      <ErrorBox error={q.error} title="The cases could not be read" />
      {q.data && open.length === 0 && <p>No open case.</p>}
      <ul className="plain">
        {open.map((k) => (
          <li key={k.name} className={k.overdue ? "overdue" : ""}>
            <Link to={`/desk?case=${idOf(k.name)}`}>{label(CasePriority, k.priority, "CASE_PRIORITY_")} · {label(CaseStatus, k.status, "CASE_STATUS_")}</Link>{" "}
            due {when(k.dueTime)} {k.overdue && <strong>overdue</strong>} {k.assignee && `· ${k.assignee}`}
          </li>
        ))}
      </ul>
    </Section>
  );
}

const loggable = [InteractionKind.PURCHASE, InteractionKind.INQUIRY, InteractionKind.SUPPORT, InteractionKind.COMPLAINT, InteractionKind.FEEDBACK, InteractionKind.CARE_CALL, InteractionKind.VISIT];

function LogInteraction({ customer, onLogged }: { customer: string; onLogged: () => void }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState(InteractionKind.PURCHASE);
  const [channel, setChannel] = useState(Channel.WEB);
  const [summary, setSummary] = useState("");
  const [amount, setAmount] = useState("");
  const [currency, setCurrency] = useState("EUR");
  const [orderId, setOrderId] = useState("");
  const [priority, setPriority] = useState(CasePriority.NORMAL);
  const [amountError, setAmountError] = useState<string>();
  const log = useMutation(InteractionService.method.logInteraction, {
    onSuccess: () => {
      setSummary(""); setAmount(""); setOrderId("");
      onLogged();
      void qc.invalidateQueries();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let purchase;
    if (kind === InteractionKind.PURCHASE) {
      const m = parseMoney(currency.trim().toUpperCase(), amount);
      if (!m) { setAmountError("an amount such as 49.90"); return; }
      purchase = { orderId: orderId.trim() || `console-${Date.now()}`, amount: m };
    }
    setAmountError(undefined);
    log.mutate({
      interaction: {
        customer, kind, channel, direction: Direction.INBOUND, occurTime: timestampNow(), summary, purchase,
        complaint: kind === InteractionKind.COMPLAINT ? { priority } : undefined,
      },
      requestId: requestId(),
    });
  };
  const problem = problemOrUndefined(log.error);
  return (
    <Section title="Log an interaction">
      <form onSubmit={submit} aria-label="Log an interaction">
        <div className="row">
          <Field label="Kind" error={fieldError(problem, "kind")}>
            <select value={kind} onChange={(e) => setKind(Number(e.target.value))}>
              {loggable.map((k) => <option key={k} value={k}>{label(InteractionKind, k, "INTERACTION_KIND_")}</option>)}
            </select>
          </Field>
          <Field label="Channel" error={fieldError(problem, "channel")}>
            <select value={channel} onChange={(e) => setChannel(Number(e.target.value))}>
              {[1, 2, 3, 4, 5, 6, 7, 8].map((k) => <option key={k} value={k}>{label(Channel, k, "CHANNEL_")}</option>)}
            </select>
          </Field>
        </div>
        {kind === InteractionKind.PURCHASE && (
          <div className="row">
            <Field label="Amount" error={amountError ?? fieldError(problem, "amount") ?? fieldError(problem, "purchase")}>
              <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="49.90" size={8} />
            </Field>
            <Field label="Currency" error={fieldError(problem, "currency_code")}>
              <input value={currency} onChange={(e) => setCurrency(e.target.value)} maxLength={3} size={4} />
            </Field>
            <Field label="Order" error={fieldError(problem, "order_id")}>
              <input value={orderId} onChange={(e) => setOrderId(e.target.value)} placeholder="generated" size={10} />
            </Field>
          </div>
        )}
        {kind === InteractionKind.COMPLAINT && (
          <Field label="Priority">
            <select value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
              {[1, 2, 3, 4].map((k) => <option key={k} value={k}>{label(CasePriority, k, "CASE_PRIORITY_")}</option>)}
            </select>
          </Field>
        )}
        <Field label="Summary" error={fieldError(problem, "summary")}>
          <input value={summary} onChange={(e) => setSummary(e.target.value)} />
        </Field>
        <ErrorBox error={log.error} title="Not logged" />
        {log.isSuccess && <p role="status">Logged {label(InteractionKind, log.data.interaction!.kind, "INTERACTION_KIND_")}.</p>}
        <button type="submit" disabled={log.isPending}>Log</button>
      </form>
    </Section>
  );
}

function Merges({ customer }: { customer: string }) {
  const q = useQuery(CustomerService.method.listMerges, { customer });
  return (
    <Section title="Merge history">
      {q.isPending && <Loading what="the merges" />}
      <ErrorBox error={q.error} title="The merges could not be read" />
      {q.data && q.data.merges.length === 0 && <p>Never merged.</p>}
      <ul className="plain">
        {q.data?.merges.map((m) => (
          <li key={m.name}>
            {when(m.mergeTime)}: <Link to={`/customers/${idOf(m.loser)}`}>{idOf(m.loser)}</Link> into <Link to={`/customers/${idOf(m.survivor)}`}>{idOf(m.survivor)}</Link> by {m.actor}
            {m.fieldsFromLoser.length > 0 && ` (kept ${m.fieldsFromLoser.join(", ")})`}
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Timeline({ customer }: { customer: string }) {
  const [kind, setKind] = useState(0);
  const [channel, setChannel] = useState(0);
  const q = useInfiniteQuery(
    InteractionService.method.listInteractions,
    { customer, pageSize: 20, kind, channel, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const more = useCallback(() => { if (q.hasNextPage && !q.isFetchingNextPage) void q.fetchNextPage(); }, [q]);
  const items = q.data?.pages.flatMap((p) => p.interactions) ?? [];
  return (
    <Section title="Timeline">
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Timeline filters">
        <Field label="Kind">
          <select value={kind} onChange={(e) => setKind(Number(e.target.value))}>
            <option value={0}>all</option>
            {[1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => <option key={k} value={k}>{label(InteractionKind, k, "INTERACTION_KIND_")}</option>)}
          </select>
        </Field>
        <Field label="Channel">
          <select value={channel} onChange={(e) => setChannel(Number(e.target.value))}>
            <option value={0}>all</option>
            {[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((k) => <option key={k} value={k}>{label(Channel, k, "CHANNEL_")}</option>)}
          </select>
        </Field>
      </form>
      {q.isPending && <Loading what="the timeline" />}
      <ErrorBox error={q.error} title="The timeline could not be read" />
      <ol className="timeline">
        {items.map((i) => (
          <li key={i.name}>
            <time>{when(i.occurTime)}</time>{" "}
            <strong>{label(InteractionKind, i.kind, "INTERACTION_KIND_")}</strong> · {label(Channel, i.channel, "CHANNEL_")}
            {i.purchase && ` · ${money(i.purchase.amount)} (order ${i.purchase.orderId})`}
            {i.refund && ` · ${money(i.refund.amount)} refunded`}
            {i.summary && <div className="summary">{i.summary}</div>}
          </li>
        ))}
      </ol>
      {q.data && items.length === 0 && <p>Nothing logged{kind || channel ? " of this kind" : ""}.</p>}
      {q.isFetchingNextPage && <Loading what="more" />}
      <Sentinel onVisible={more} disabled={!q.hasNextPage} />
      {q.hasNextPage && <button type="button" className="small" onClick={more}>Load more</button>}
    </Section>
  );
}
