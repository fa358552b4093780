import { lazy, Suspense, useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { InteractionService, requestId } from "../api";
import { CasePriority, CaseStatus, type Case } from "@gen/crm/interaction/v1/case_pb.js";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { byDueTime, caseUpdatePaths, isOverdue, nextStates, stepChanges } from "../cases";
import { ErrorBox, Field, Loading, Section, problemOrUndefined } from "../ui";
import { fieldError, isConflict, problemOf } from "../errors";
import { duration, idOf, label, when } from "../format";
import { Link, navigate, useLocation } from "../router";

// The charts load ECharts: on demand, after the queue.
const DeskCharts = lazy(() => import("./DeskCharts"));
const SatisfactionCharts = lazy(() => import("./SatisfactionCharts"));

/** The case queue by due time, a case's transitions and follow-ups, and the desk's figures. */
export function ServiceDesk() {
  const { params } = useLocation();
  const selected = params.get("case");
  const [status, setStatus] = useState(CaseStatus.OPEN);
  const [overdue, setOverdue] = useState(false);
  const [escalated, setEscalated] = useState(false);
  const [assignee, setAssignee] = useState("");
  const q = useQuery(InteractionService.method.listCases, { status, overdue, escalated, assignee: assignee.trim(), pageSize: 100 });
  const now = new Date();
  const cases = q.data ? byDueTime(q.data.cases) : [];
  return (
    <>
      <h1>Service desk</h1>
      <div className="split">
        <Section title="Queue">
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Queue filters">
            <Field label="Status">
              <select value={status} onChange={(e) => setStatus(Number(e.target.value))}>
                <option value={0}>any</option>
                {[1, 2, 3, 4].map((s) => <option key={s} value={s}>{label(CaseStatus, s, "CASE_STATUS_")}</option>)}
              </select>
            </Field>
            <Field label="Assignee">
              <input value={assignee} onChange={(e) => setAssignee(e.target.value)} size={10} />
            </Field>
            <label className="check"><input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> Overdue only</label>
            <label className="check"><input type="checkbox" checked={escalated} onChange={(e) => setEscalated(e.target.checked)} /> Escalated only</label>
          </form>
          {q.isPending && <Loading what="the queue" />}
          <ErrorBox error={q.error} title="The queue could not be read" />
          {q.data && cases.length === 0 && <p>No case here.</p>}
          <ol className="queue">
            {cases.map((k) => (
              <li key={k.name} className={(isOverdue(k, now) ? "overdue " : "") + (selected === idOf(k.name) ? "selected" : "")}>
                <Link to={`/desk?case=${idOf(k.name)}`} aria-current={selected === idOf(k.name) ? "true" : undefined}>
                  <span className={`prio p${k.priority}`}>{label(CasePriority, k.priority, "CASE_PRIORITY_")}</span>{" "}
                  due {when(k.dueTime)}
                  {isOverdue(k, now) && <strong className="badge late">overdue</strong>}
                  {k.escalated && <strong className="badge escalated" title={`escalated ${when(k.escalateTime)}`}>escalated</strong>}
                  <small> {label(CaseStatus, k.status, "CASE_STATUS_")}{k.assignee && ` · ${k.assignee}`}</small>
                </Link>
              </li>
            ))}
          </ol>
        </Section>
        {selected && <CaseView id={selected} />}
      </div>
      <h2 className="part">Case statistics</h2>
      <Stats />
      <h2 className="part">Satisfaction</h2>
      <Suspense fallback={<Loading what="the satisfaction charts" />}>
        <SatisfactionCharts />
      </Suspense>
    </>
  );
}

function CaseView({ id }: { id: string }) {
  const name = `cases/${id}`;
  const qc = useQueryClient();
  const q = useQuery(InteractionService.method.getCase, { name });
  const transition = useMutation(InteractionService.method.transitionCase, { onSuccess: () => qc.invalidateQueries() });
  const addFollowUp = useMutation(InteractionService.method.addFollowUp, { onSuccess: () => qc.invalidateQueries() });
  const complete = useMutation(InteractionService.method.completeFollowUp, { onSuccess: () => qc.invalidateQueries() });
  const [note, setNote] = useState("");
  const [task, setTask] = useState("");
  const [taskAssignee, setTaskAssignee] = useState("");
  const [taskDue, setTaskDue] = useState("");
  if (q.isPending) return <Section title="Case"><Loading what="the case" /></Section>;
  if (q.error) return <Section title="Case"><ErrorBox error={q.error} title="The case could not be read" /></Section>;
  const k: Case = q.data.case!;
  const move = (to: CaseStatus) => transition.mutate({ name, to, note: note.trim() || label(CaseStatus, to, "CASE_STATUS_"), etag: k.etag, requestId: requestId() });
  const follow = (e: FormEvent) => {
    e.preventDefault();
    addFollowUp.mutate({ case: name, description: task, assignee: taskAssignee, dueTime: taskDue ? timestampFromDate(new Date(taskDue)) : undefined, requestId: requestId() }, { onSuccess: () => setTask("") });
  };
  const tp = problemOrUndefined(transition.error);
  const fp = problemOrUndefined(addFollowUp.error);
  return (
    <Section title={`Case ${id}`} actions={<button type="button" className="small" onClick={() => navigate("/desk")} aria-label="Close the case view">✕</button>}>
      <dl className="facts">
        <dt>Status</dt><dd data-testid="case-status">{label(CaseStatus, k.status, "CASE_STATUS_")}</dd>
        <dt>Customer</dt><dd><Link to={`/customers/${idOf(k.customer)}`}>{idOf(k.customer)}</Link></dd>
        <dt>Priority</dt><dd data-testid="case-priority">{label(CasePriority, k.priority, "CASE_PRIORITY_")}</dd>
        <dt>Assignee</dt><dd data-testid="case-assignee">{k.assignee || "—"}</dd>
        <dt>Opened</dt><dd>{when(k.openTime)}</dd>
        <dt>Due</dt><dd><span data-testid="case-due">{when(k.dueTime)}</span> {k.overdue && <strong className="badge late">overdue</strong>}</dd>
        {k.escalated && <><dt>Escalated</dt><dd><strong className="badge escalated">escalated</strong> {when(k.escalateTime)}</dd></>}
        <dt>First response</dt><dd>{when(k.firstResponseTime)}</dd>
        <dt>Resolved</dt><dd>{when(k.resolveTime)}</dd>
      </dl>
      <Field label="Note for the next step" error={fieldError(tp, "note")}>
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <div className="actions" role="group" aria-label="Move the case">
        {nextStates(k.status).map((s) => (
          <button key={s} type="button" disabled={transition.isPending} onClick={() => move(s)}>
            {s === CaseStatus.OPEN ? "Reopen" : "→ " + label(CaseStatus, s, "CASE_STATUS_")}
          </button>
        ))}
      </div>
      <ErrorBox error={transition.error} title="Not moved" />
      <h3>Assignee and priority</h3>
      <EditCase key={k.name} read={k} />
      <h3>History</h3>
      <ol className="plain" aria-label="History">
        {k.history.map((h, i) => (
          <li key={i}>{when(h.time)}: {stepChanges(h).join("; ")} by {h.actor}{h.note && ` — ${h.note}`}</li>
        ))}
      </ol>
      <h3>Follow-ups</h3>
      <ul className="plain">
        {k.followUps.map((f) => (
          <li key={f.id}>
            <label className="check">
              <input type="checkbox" checked={f.done} disabled={f.done || complete.isPending} onChange={() => complete.mutate({ case: name, followUp: f.id })} />
              {f.description} ({f.assignee}, due {when(f.dueTime)})
            </label>
          </li>
        ))}
      </ul>
      <ErrorBox error={complete.error} title="Not completed" />
      <form onSubmit={follow} aria-label="Add a follow-up" className="row">
        <Field label="Follow-up" error={fieldError(fp, "description")}><input value={task} onChange={(e) => setTask(e.target.value)} /></Field>
        <Field label="Assignee" error={fieldError(fp, "assignee")}><input value={taskAssignee} onChange={(e) => setTaskAssignee(e.target.value)} size={8} /></Field>
        <Field label="Due" error={fieldError(fp, "due_time")}><input type="datetime-local" value={taskDue} onChange={(e) => setTaskDue(e.target.value)} /></Field>
        <button type="submit" disabled={addFollowUp.isPending}>Add</button>
      </form>
      <ErrorBox error={addFollowUp.error} title="Not added" />
    </Section>
  );
}

const priorities = [CasePriority.LOW, CasePriority.NORMAL, CasePriority.HIGH, CasePriority.URGENT];

/**
 * Reassigns the case or changes its priority (the service moves the due
 * time to the new priority's SLA), with the etag read: a stale one is shown
 * as a conflict to resolve.
 */
function EditCase({ read }: { read: Case }) {
  const qc = useQueryClient();
  const [base, setBase] = useState(read);
  const [assignee, setAssignee] = useState(read.assignee);
  const [priority, setPriority] = useState<CasePriority>(read.priority === CasePriority.UNSPECIFIED ? CasePriority.NORMAL : read.priority);
  const [note, setNote] = useState("");
  const [theirs, setTheirs] = useState<Case>();
  const [saved, setSaved] = useState<Case>();
  const update = useMutation(InteractionService.method.updateCase);
  const get = useMutation(InteractionService.method.getCase);
  const paths = caseUpdatePaths(base, { assignee, priority });
  // A newer read (a transition, a refresh) replaces an untouched form's.
  if (read.etag !== base.etag && paths.length === 0 && !theirs && !update.isPending) {
    setBase(read);
    setAssignee(read.assignee);
    setPriority(read.priority === CasePriority.UNSPECIFIED ? CasePriority.NORMAL : read.priority);
  }
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    try {
      const res = await update.mutateAsync({
        case: { name: base.name, etag: base.etag, assignee: assignee.trim(), priority },
        updateMask: create(FieldMaskSchema, { paths }),
        note: note.trim(),
        requestId: requestId(),
      });
      setBase(res.case!);
      setSaved(res.case);
      setNote("");
      await qc.invalidateQueries();
    } catch (err) {
      if (isConflict(problemOf(err))) setTheirs((await get.mutateAsync({ name: base.name })).case);
    }
  };
  const problem = problemOrUndefined(update.error);
  const conflict = problem && isConflict(problem) && theirs;
  const resolve = (take: boolean) => {
    if (!theirs) return;
    if (take) {
      setAssignee(theirs.assignee);
      setPriority(theirs.priority);
    }
    setBase(theirs);
    setTheirs(undefined);
    update.reset();
    void qc.invalidateQueries();
  };
  return (
    <form onSubmit={save} aria-label="Assignee and priority" className="row">
      <Field label="Assign to" error={fieldError(problem, "assignee")} hint="Empty: nobody">
        <input value={assignee} onChange={(e) => setAssignee(e.target.value)} size={12} />
      </Field>
      <Field label="Priority" error={fieldError(problem, "priority")}>
        <select value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
          {priorities.map((p) => <option key={p} value={p}>{label(CasePriority, p, "CASE_PRIORITY_")}</option>)}
        </select>
      </Field>
      <Field label="Why" error={fieldError(problem, "note")}>
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <button type="submit" disabled={update.isPending || paths.length === 0}>Save</button>
      {conflict ? (
        <div className="conflict" role="alert">
          <strong>Someone else changed this case since you opened it.</strong>
          <table>
            <thead><tr><th></th><th>Now saved</th><th>Yours</th></tr></thead>
            <tbody>
              <tr><th>Assignee</th><td>{theirs.assignee || "—"}</td><td>{assignee.trim() || "—"}</td></tr>
              <tr><th>Priority</th><td>{label(CasePriority, theirs.priority, "CASE_PRIORITY_")}</td><td>{label(CasePriority, priority, "CASE_PRIORITY_")}</td></tr>
              <tr><th>Status</th><td>{label(CaseStatus, theirs.status, "CASE_STATUS_")}</td><td>{label(CaseStatus, base.status, "CASE_STATUS_")}</td></tr>
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={() => resolve(false)}>Keep mine (save over theirs)</button>
            <button type="button" onClick={() => resolve(true)}>Take theirs</button>
          </div>
        </div>
      ) : (
        <ErrorBox error={update.error} title="Not saved" />
      )}
      {saved && <p role="status">Saved: due {when(saved.dueTime)}.</p>}
    </form>
  );
}

function Stats() {
  const [days, setDays] = useState(30);
  // The period ends when the screen opened: a fixed query, not one per render.
  const [end] = useState(() => new Date());
  const from = useMemo(() => timestampFromDate(new Date(end.getTime() - days * 86_400_000)), [end, days]);
  const q = useQuery(InteractionService.method.getCaseStatistics, { openTimeFrom: from, openTimeTo: timestampFromDate(end) });
  const period = (
    <Field label="Cases opened in the last">
      <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
        {[7, 30, 90, 365].map((d) => <option key={d} value={d}>{d} days</option>)}
      </select>
    </Field>
  );
  if (q.isPending) return <>{period}<Loading what="the desk's figures" /></>;
  if (q.error) return <>{period}<ErrorBox error={q.error} title="The desk's figures could not be read" /></>;
  const s = q.data;
  return (
    <>
    {period}
    <dl className="stats" aria-label="Case statistics">
      <div><dt>Cases</dt><dd>{String(s.cases)}</dd></div>
      <div><dt>First response, median</dt><dd>{duration(s.firstResponseMedianSeconds)}</dd></div>
      <div><dt>First response, p90</dt><dd>{duration(s.firstResponseP90Seconds)}</dd></div>
      <div><dt>Resolution, median</dt><dd>{duration(s.resolutionMedianSeconds)}</dd></div>
      <div><dt>Resolution, p90</dt><dd>{duration(s.resolutionP90Seconds)}</dd></div>
      <div><dt>Resolved within SLA</dt><dd>{(s.resolvedWithinSla * 100).toFixed(0)}%</dd></div>
    </dl>
    <Suspense fallback={<Loading what="the charts" />}>
      <DeskCharts stats={s} period={`the last ${days} days`} />
    </Suspense>
    </>
  );
}
