import { describe, expect, it } from "vitest";
import { caseUpdatePaths, stepChanges } from "./cases";
import { CasePriority, CaseStatus } from "@gen/crm/interaction/v1/case_pb.js";
import { Channel } from "@gen/crm/interaction/v1/interaction_pb.js";
import { SatisfactionGrouping } from "@gen/crm/interaction/v1/interaction_service_pb.js";
import { groupKey, satisfactionCSVRow, satisfactionHeader, satisfactionRows, satisfiedShare, type GroupLike } from "./satisfaction";
import { toCSV } from "./csv";
import { mergeAudit } from "./audit";

const step = (over: Partial<Parameters<typeof stepChanges>[0]>) => ({
  from: CaseStatus.OPEN, to: CaseStatus.OPEN, fromAssignee: "", toAssignee: "", fromPriority: CasePriority.UNSPECIFIED, toPriority: CasePriority.UNSPECIFIED, ...over,
});

describe("case history", () => {
  it("names a status change", () => {
    expect(stepChanges(step({ to: CaseStatus.IN_PROGRESS }))).toEqual(["open → in progress"]);
  });
  it("names a reassignment, to and from nobody too", () => {
    expect(stepChanges(step({ fromAssignee: "anna", toAssignee: "ben" }))).toEqual(["reassigned from anna to ben"]);
    expect(stepChanges(step({ toAssignee: "ben" }))).toEqual(["reassigned from nobody to ben"]);
    expect(stepChanges(step({ fromAssignee: "ben" }))).toEqual(["reassigned from ben to nobody"]);
  });
  it("names a priority change, and both changes of one update", () => {
    expect(stepChanges(step({ fromPriority: CasePriority.HIGH, toPriority: CasePriority.LOW }))).toEqual(["priority high → low"]);
    expect(stepChanges(step({ from: CaseStatus.IN_PROGRESS, to: CaseStatus.IN_PROGRESS, fromAssignee: "a", toAssignee: "b", fromPriority: CasePriority.NORMAL, toPriority: CasePriority.URGENT })))
      .toEqual(["reassigned from a to b", "priority normal → urgent"]);
  });
});

describe("case update mask", () => {
  const read = { assignee: "anna", priority: CasePriority.HIGH };
  it("sends only what changed", () => {
    expect(caseUpdatePaths(read, { assignee: "anna", priority: CasePriority.HIGH })).toEqual([]);
    expect(caseUpdatePaths(read, { assignee: " ben ", priority: CasePriority.HIGH })).toEqual(["assignee"]);
    expect(caseUpdatePaths(read, { assignee: "anna ", priority: CasePriority.LOW })).toEqual(["priority"]);
    expect(caseUpdatePaths(read, { assignee: "", priority: CasePriority.URGENT })).toEqual(["assignee", "priority"]);
  });
  it("takes an unset priority as normal", () => {
    expect(caseUpdatePaths({ assignee: "", priority: CasePriority.UNSPECIFIED }, { assignee: "", priority: CasePriority.NORMAL })).toEqual([]);
    expect(caseUpdatePaths({ assignee: "", priority: CasePriority.UNSPECIFIED }, { assignee: "", priority: CasePriority.HIGH })).toEqual(["priority"]);
  });
});

describe("satisfaction", () => {
  const summary = (responses: number, satisfied: number, met: number, ratio: number) => ({
    responses: BigInt(responses), satisfied: BigInt(satisfied), met: BigInt(met), dissatisfied: BigInt(responses - satisfied - met),
    meanRatio: ratio, meanDifference: ratio - 1, experienceCounts: [],
  });
  const g = (over: Partial<GroupLike>): GroupLike => ({ case: "", assignee: "", channel: Channel.UNSPECIFIED, ...over });
  const local = (y: number, m: number, d: number) => {
    const t = new Date(y, m - 1, d).getTime();
    return { seconds: BigInt(t / 1000), nanos: 0 };
  };

  it("names each grouping's key", () => {
    expect(groupKey(g({ case: "cases/k7" }), SatisfactionGrouping.CASE)).toBe("k7");
    expect(groupKey(g({ assignee: "support" }), SatisfactionGrouping.ASSIGNEE)).toBe("support");
    expect(groupKey(g({}), SatisfactionGrouping.ASSIGNEE)).toBe("nobody named");
    expect(groupKey(g({ channel: Channel.SERVICE_CENTRE }), SatisfactionGrouping.CHANNEL)).toBe("service centre");
    expect(groupKey(g({ periodStart: local(2024, 5, 6) }), SatisfactionGrouping.WEEK)).toBe("2024-05-06");
    expect(groupKey(g({ periodStart: local(2024, 5, 1) }), SatisfactionGrouping.MONTH)).toBe("2024-05");
    expect(groupKey(g({ periodStart: local(2024, 12, 31) }), SatisfactionGrouping.DAY)).toBe("2024-12-31");
  });

  it("counts each group's responses and leaves the means of an empty one out", () => {
    const rows = satisfactionRows([g({ channel: Channel.EMAIL, summary: summary(10, 6, 1, 1.25) }), g({ channel: Channel.CHAT, summary: summary(0, 0, 0, 0) })], SatisfactionGrouping.CHANNEL);
    expect(rows[0]).toEqual({ key: "email", responses: 10, satisfied: 6, met: 1, dissatisfied: 3, meanRatio: 1.25, meanDifference: 0.25 });
    expect(rows[1].meanRatio).toBeNull();
    expect(satisfiedShare(rows[0])).toBe(0.6);
    expect(satisfiedShare(rows[1])).toBeNull();
  });

  it("exports the rows as CSV, the key column named for the grouping", () => {
    const rows = satisfactionRows([g({ assignee: "Ward, Anna", summary: summary(3, 1, 1, 1 / 3) })], SatisfactionGrouping.ASSIGNEE);
    expect(toCSV(satisfactionHeader(SatisfactionGrouping.ASSIGNEE), rows.map(satisfactionCSVRow))).toBe(
      'assignee,responses,satisfied,met,dissatisfied,mean_ratio,mean_difference\r\n"Ward, Anna",3,1,1,1,0.3333,-0.6667\r\n',
    );
    expect(satisfactionHeader(SatisfactionGrouping.WEEK)[0]).toBe("week_from");
  });
});

describe("audit trail", () => {
  const e = (name: string, method: string, seconds: number) => ({ name, method, resource: "customers/c1", createTime: { seconds: BigInt(seconds), nanos: 0 }, changedPaths: [], code: "OK" });
  it("merges the services' entries newest first, naming each one's service and method", () => {
    const { rows, more } = mergeAudit([
      { service: "profile", entries: [e("auditEntries/p2", "/crm.customer.v1.CustomerService/UpdateCustomer", 30), e("auditEntries/p1", "/crm.customer.v1.CustomerService/CreateCustomer", 10)] },
      { service: "interaction", entries: [e("auditEntries/i1", "/crm.interaction.v1.InteractionService/LogInteraction", 20)] },
      { service: "loyalty", entries: [e("auditEntries/l1", "/crm.loyalty.v1.LoyaltyService/Earn", 30)] },
    ], 10);
    expect(rows.map((r) => `${r.service} ${r.method}`)).toEqual(["profile UpdateCustomer", "loyalty Earn", "interaction LogInteraction", "profile CreateCustomer"]);
    expect(more).toBe(false);
  });
  it("keeps the newest when there are more than shown", () => {
    const { rows, more } = mergeAudit([{ service: "profile", entries: [e("a", "M", 1), e("b", "M", 3), e("c", "M", 2)] }], 2);
    expect(rows.map((r) => r.entry.name)).toEqual(["b", "c"]);
    expect(more).toBe(true);
  });
});
