import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { CustomerService, SegmentationService } from "../api";
import type { Segment } from "@gen/crm/segmentation/v1/segment_pb.js";
import { ErrorBox, Field, Loading, Section, problemOrUndefined } from "../ui";
import { fieldError, type Problem } from "../errors";
import { parseRuleErrors, type RuleError } from "../rule";
import { day, idOf } from "../format";
import { Link, navigate, useLocation } from "../router";
import { useDebounced } from "../useDebounced";

/** Rule segments: the list, the rule editor with its errors where they are, the preview, the members. */
export function Segments() {
  const { params } = useLocation();
  const selected = params.get("segment");
  const q = useQuery(SegmentationService.method.listSegments, { pageSize: 100 });
  return (
    <>
      <h1>Segments</h1>
      <div className="split">
        <Section title="Rule segments" actions={<button type="button" className="small" onClick={() => navigate("/segments?segment=new")}>New segment</button>}>
          {q.isPending && <Loading what="the segments" />}
          <ErrorBox error={q.error} title="The segments could not be read" />
          <ul className="plain list">
            {q.data?.segments.map((s) => (
              <li key={s.name}>
                <Link to={`/segments?segment=${idOf(s.name)}`} aria-current={selected === idOf(s.name) ? "true" : undefined}>{s.displayName || idOf(s.name)}</Link>{" "}
                <small>{s.evaluated ? `${String(s.memberCount)} members` : "not evaluated yet"}</small>
              </li>
            ))}
          </ul>
        </Section>
        {selected === "new" && <Editor key="new" />}
        {selected && selected !== "new" && <Existing key={selected} id={selected} />}
      </div>
    </>
  );
}

function Existing({ id }: { id: string }) {
  const q = useQuery(SegmentationService.method.getSegment, { name: `segments/${id}` });
  if (q.isPending) return <Section title="Segment"><Loading what="the segment" /></Section>;
  if (q.error) return <Section title="Segment"><ErrorBox error={q.error} title="The segment could not be read" /></Section>;
  return (
    <div className="stack">
      <Editor segment={q.data.segment} />
      <Members segment={q.data.segment!} />
    </div>
  );
}

/** The rule's errors under the line and column they point at. */
function RuleErrors({ rule, errors }: { rule: string; errors: RuleError[] }) {
  const lines = rule.split("\n");
  return (
    <div className="rule-errors" role="alert" aria-label="Rule errors" id="rule-errors">
      {errors.map((e, i) => (
        <div key={i} className="rule-error">
          <pre aria-hidden="true">{(lines[e.line - 1] ?? "") + "\n" + " ".repeat(Math.max(0, e.column - 1)) + "^"}</pre>
          <p>line {e.line}, column {e.column}: {e.message}</p>
        </div>
      ))}
    </div>
  );
}

function ruleErrorsOf(p: Problem | undefined): { errors: RuleError[]; other?: string } {
  const d = fieldError(p, "rule");
  if (!d) return { errors: [] };
  const errors = parseRuleErrors(d);
  return errors.length > 0 ? { errors } : { errors: [], other: d };
}

function Editor({ segment }: { segment?: Segment }) {
  const qc = useQueryClient();
  const [id, setId] = useState("");
  const [displayName, setDisplayName] = useState(segment?.displayName ?? "");
  const [description, setDescription] = useState(segment?.description ?? "");
  const [rule, setRule] = useState(segment?.rule ?? "metrics.purchases >= 1");
  const typed = useDebounced(rule, 400);
  // Previewing checks the rule as it is typed and counts its members.
  const preview = useQuery(SegmentationService.method.previewSegment, { rule: typed, sampleSize: 5 }, { enabled: typed.trim() !== "", retry: false });
  const onSaved = (saved?: Segment) => {
    void qc.invalidateQueries();
    if (!segment && saved) navigate(`/segments?segment=${idOf(saved.name)}`);
  };
  const createSeg = useMutation(SegmentationService.method.createSegment, { onSuccess: (r) => onSaved(r.segment) });
  const updateSeg = useMutation(SegmentationService.method.updateSegment, { onSuccess: (r) => onSaved(r.segment) });
  const save = segment ? updateSeg : createSeg;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (segment) {
      updateSeg.mutate({
        segment: { name: segment.name, etag: segment.etag, displayName, description, rule },
        updateMask: create(FieldMaskSchema, { paths: ["display_name", "description", "rule"] }),
      });
    } else {
      createSeg.mutate({ segment: { id, displayName, description, rule } });
    }
  };
  const saveProblem = problemOrUndefined(save.error);
  const previewProblem = problemOrUndefined(preview.error);
  // The save's verdict on the rule, until the rule changes; else the preview's.
  const saved = useMemo(() => ruleErrorsOf(saveProblem), [saveProblem]);
  const live = ruleErrorsOf(previewProblem);
  const ruleErr = save.error && save.variables?.segment?.rule === rule && (saved.errors.length || saved.other) ? saved : live;
  return (
    <Section title={segment ? `Segment ${idOf(segment.name)}` : "New segment"}>
      <form onSubmit={submit} aria-label="Segment">
        {!segment && (
          <Field label="Id" hint="Lower-case letters, digits and dashes" error={fieldError(saveProblem, "id")}>
            <input value={id} onChange={(e) => setId(e.target.value)} required pattern="[a-z0-9][a-z0-9-]{0,39}" />
          </Field>
        )}
        <Field label="Name" error={fieldError(saveProblem, "display_name")}>
          <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
        </Field>
        <Field label="Description" error={fieldError(saveProblem, "description")}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Rule (CEL over profile, metrics and scores)" error={ruleErr.other}>
          <textarea className="code" rows={4} value={rule} onChange={(e) => setRule(e.target.value)} spellCheck={false} aria-invalid={ruleErr.errors.length > 0} aria-describedby={ruleErr.errors.length > 0 ? "rule-errors" : undefined} />
        </Field>
        {ruleErr.errors.length > 0 && <RuleErrors rule={rule} errors={ruleErr.errors} />}
        <p className="preview" role="status" aria-live="polite" data-testid="preview">
          {preview.isFetching ? "Checking…" : preview.data ? `${String(preview.data.memberCount)} of ${String(preview.data.customers)} customers match${preview.data.errors > 0n ? ` (${String(preview.data.errors)} could not be evaluated: ${preview.data.firstError})` : ""}.` : ""}
        </p>
        {previewProblem && ruleErr.errors.length === 0 && !ruleErr.other && <ErrorBox error={preview.error} title="The preview failed" />}
        {saveProblem && !fieldError(saveProblem, "rule") && <ErrorBox error={save.error} title="Not saved" />}
        {save.isSuccess && <p role="status">Saved; its members are being found.</p>}
        <button type="submit" disabled={save.isPending}>Save</button>
      </form>
    </Section>
  );
}

function Members({ segment }: { segment: Segment }) {
  const [pages, setPages] = useState<string[]>([""]);
  const q = useQuery(SegmentationService.method.listSegmentMembers, { segment: segment.name, pageSize: 20, pageToken: pages[pages.length - 1] });
  const names = q.data?.customers ?? [];
  const people = useQuery(CustomerService.method.batchGetCustomers, { names }, { enabled: names.length > 0 });
  const sizes = useQuery(SegmentationService.method.listSegmentSizes, { segment: segment.name, pageSize: 10 });
  const byName = new Map(people.data?.customers.map((c) => [c.name, c.displayName]) ?? []);
  return (
    <>
      <Section title={`Members (${segment.evaluated ? String(segment.memberCount) : "not evaluated yet"})`}>
        {q.isPending && <Loading what="the members" />}
        <ErrorBox error={q.error} title="The members could not be read" />
        {q.data && names.length === 0 && <p>No members.</p>}
        <ul className="plain columns">
          {names.map((n) => <li key={n}><Link to={`/customers/${idOf(n)}`}>{byName.get(n) || idOf(n)}</Link></li>)}
        </ul>
        <nav className="pager" aria-label="Member pages">
          <button type="button" disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>← Previous</button>
          <button type="button" disabled={!q.data?.nextPageToken} onClick={() => setPages([...pages, q.data!.nextPageToken])}>Next →</button>
        </nav>
      </Section>
      <Section title="Size at each run">
        <ErrorBox error={sizes.error} title="The sizes could not be read" />
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Sizes at each run">
          <table className="compact">
            <thead><tr><th>Run</th><th>Date</th><th className="num">Members</th><th className="num">Change</th></tr></thead>
            <tbody>
              {sizes.data?.sizes.map((s, i, all) => (
                <tr key={s.run}>
                  <td>{idOf(s.run)}</td><td>{day(s.time)}</td><td className="num">{String(s.count)}</td>
                  <td className="num">{i + 1 < all.length ? signed(Number(s.count - all[i + 1].count)) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
