// Shared pieces of every screen: loading and error states, fields, tables.
import { useEffect, useRef, type ReactNode } from "react";
import { describeProblem, problemOf, type Problem } from "./errors";
import { toCSV, downloadCSV, type Cell } from "./csv";

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A failed call, naming the field or reason as the API says it. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const p = problemOf(error);
  return (
    <div className="error" role="alert">
      <strong>{title ?? "Something went wrong"}</strong> <span className="code">{p.code}</span>
      <p>{describeProblem(p)}</p>
      {p.fields.length > 1 && (
        <ul>
          {p.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Field({ label, error, children, hint }: { label: string; error?: string; children: ReactNode; hint?: string }) {
  return (
    <label className={"field" + (error ? " invalid" : "")}>
      <span>{label}</span>
      {children}
      {hint && <small>{hint}</small>}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </label>
  );
}

export function problemOrUndefined(err: unknown): Problem | undefined {
  return err ? problemOf(err) : undefined;
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function CSVButton({ name, header, rows }: { name: string; header: string[]; rows: Cell[][] }) {
  return (
    <button type="button" className="small" onClick={() => downloadCSV(name + ".csv", toCSV(header, rows))}>
      Export CSV
    </button>
  );
}

/** Calls onVisible when the sentinel scrolls into view (endless lists). */
export function Sentinel({ onVisible, disabled }: { onVisible: () => void; disabled: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (disabled || !ref.current) return;
    const io = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && onVisible(), { rootMargin: "200px" });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [onVisible, disabled]);
  return <div ref={ref} className="sentinel" aria-hidden="true" />;
}
