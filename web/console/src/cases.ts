// The service desk's view of cases.
import { CaseStatus } from "@gen/crm/interaction/v1/case_pb.js";

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
