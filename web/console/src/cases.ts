// The service desk's view of cases.
import { CasePriority, CaseStatus } from "@gen/crm/interaction/v1/case_pb.js";
import { label } from "./format";

export interface CaseLike {
  status: CaseStatus;
  overdue: boolean;
  dueTime?: { seconds: bigint; nanos: number };
}

/** The queue: cases due soonest first; cases without a due time last. */
export function byDueTime<T extends CaseLike>(cases: T[]): T[] {
  const due = (c: T) => (c.dueTime ? Number(c.dueTime.seconds) * 1000 + c.dueTime.nanos / 1e6 : Infinity);
  return [...cases].sort((a, b) => due(a) - due(b));
}

/** Whether a case is past its due time and still open, as of now (the service marks it too, as of its read). */
export function isOverdue(c: CaseLike, now: Date): boolean {
  if (c.overdue) return true;
  if (!c.dueTime || c.status === CaseStatus.RESOLVED || c.status === CaseStatus.CLOSED) return false;
  return Number(c.dueTime.seconds) * 1000 < now.getTime();
}

/** The states a case may move to from its state (the service allows the same, and says so when not). */
export function nextStates(s: CaseStatus): CaseStatus[] {
  switch (s) {
    case CaseStatus.OPEN:
      return [CaseStatus.IN_PROGRESS];
    case CaseStatus.IN_PROGRESS:
      return [CaseStatus.RESOLVED];
    case CaseStatus.RESOLVED:
      return [CaseStatus.CLOSED, CaseStatus.OPEN];
    case CaseStatus.CLOSED:
      return [CaseStatus.OPEN];
    default:
      return [];
  }
}

/** One step of a case's history as the desk shows it. */
export interface StepLike {
  from: CaseStatus;
  to: CaseStatus;
  fromAssignee: string;
  toAssignee: string;
  fromPriority: CasePriority;
  toPriority: CasePriority;
}

const statusName = (s: CaseStatus) => label(CaseStatus, s, "CASE_STATUS_");
const priorityName = (p: CasePriority) => label(CasePriority, p, "CASE_PRIORITY_");
const who = (a: string) => a || "nobody";

/**
 * What a step changed, in words: a status change, or (UpdateCase, which
 * keeps the status) a reassignment and a priority change, either or both.
 */
export function stepChanges(s: StepLike): string[] {
  const out: string[] = [];
  if (s.from !== s.to) out.push(`${statusName(s.from)} → ${statusName(s.to)}`);
  if (s.fromAssignee !== s.toAssignee) out.push(`reassigned from ${who(s.fromAssignee)} to ${who(s.toAssignee)}`);
  if (s.toPriority !== CasePriority.UNSPECIFIED) out.push(`priority ${priorityName(s.fromPriority)} → ${priorityName(s.toPriority)}`);
  // A step that changed none of these is a transition to the same state (a reopen's record, say).
  if (out.length === 0) out.push(`${statusName(s.from)} → ${statusName(s.to)}`);
  return out;
}

/**
 * The UpdateCase mask for what the form changed against the case as read:
 * the assignee (trimmed; empty unassigns) and the priority. Empty when
 * nothing changed, and then there is nothing to send.
 */
export function caseUpdatePaths(read: { assignee: string; priority: CasePriority }, form: { assignee: string; priority: CasePriority }): ("assignee" | "priority")[] {
  const paths: ("assignee" | "priority")[] = [];
  if (form.assignee.trim() !== read.assignee) paths.push("assignee");
  // An unset priority is normal (the service's reading): choosing normal then changes nothing.
  const p = (x: CasePriority) => (x === CasePriority.UNSPECIFIED ? CasePriority.NORMAL : x);
  if (p(form.priority) !== p(read.priority)) paths.push("priority");
  return paths;
}
