// A customer's audit trail: the entries of the four services, merged.

type Timestamp = { seconds: bigint; nanos: number };

/** An audit entry as far as the view needs it. */
export interface AuditEntryLike {
  name: string;
  method: string;
  resource: string;
  createTime?: Timestamp;
  actor?: { subject: string; client: string };
  changedPaths: string[];
  code: string;
}

/** One row of the merged trail. */
export interface AuditRow<E extends AuditEntryLike = AuditEntryLike> {
  service: string;
  /** The method's own name: "UpdateCustomer" of "/crm.customer.v1.CustomerService/UpdateCustomer". */
  method: string;
  entry: E;
}

const ms = (t?: Timestamp) => (t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : 0);

/**
 * The entries of every service, newest first (the same time in the
 * services' order), at most limit of them; whether more were left out.
 */
export function mergeAudit<E extends AuditEntryLike>(lists: { service: string; entries: E[] }[], limit: number): { rows: AuditRow<E>[]; more: boolean } {
  const all = lists.flatMap((l) => l.entries.map((entry) => ({ service: l.service, method: entry.method.slice(entry.method.lastIndexOf("/") + 1), entry })));
  // Array.prototype.sort is stable: equal times keep the services' order.
  all.sort((a, b) => ms(b.entry.createTime) - ms(a.entry.createTime));
  return { rows: all.slice(0, limit), more: all.length > limit };
}
