// Who changed what about a customer, in each of the four services.
import { useQueries } from "@tanstack/react-query";
import { audits, SERVICES } from "../api";
import { mergeAudit } from "../audit";
import { when } from "../format";
import { ErrorBox, Loading, Section } from "../ui";

/** Entries read from each service; the newest of them all are shown. */
const PER_SERVICE = 100;
const SHOWN = 50;

export function CustomerAudit({ customer }: { customer: string }) {
  const qs = useQueries({
    queries: SERVICES.map((s) => ({
      queryKey: ["audit", s, customer],
      queryFn: ({ signal }: { signal: AbortSignal }) => audits[s].listAuditEntries({ filter: { customer }, pageSize: PER_SERVICE }, { signal }),
    })),
  });
  const loaded = SERVICES.flatMap((s, i) => (qs[i].data ? [{ service: s, entries: qs[i].data.auditEntries }] : []));
  const { rows, more } = mergeAudit(loaded, SHOWN);
  const pending = qs.some((q) => q.isPending);
  return (
    <Section title="Audit">
      {SERVICES.map((s, i) => <ErrorBox key={s} error={qs[i].error} title={`The audit of ${s} could not be read`} />)}
      {pending && <Loading what="the audit entries" />}
      {!pending && rows.length === 0 && <p>No entry.</p>}
      {rows.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit entries">
          <table className="compact">
            <thead><tr><th>When</th><th>Service</th><th>Who</th><th>What</th><th>Changed</th><th>Result</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.service + r.entry.name}>
                  <td>{when(r.entry.createTime)}</td>
                  <td>{r.service}</td>
                  <td>{r.entry.actor?.subject}{r.entry.actor?.client && <small> ({r.entry.actor.client})</small>}</td>
                  <td>{r.method} <small>{r.entry.resource}</small></td>
                  <td>{r.entry.changedPaths.join(", ")}</td>
                  <td>{r.entry.code}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && <p className="note">The newest {SHOWN} entries; <code>crmctl customers audit</code> lists them all.</p>}
    </Section>
  );
}
