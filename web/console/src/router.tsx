// A small router over the History API: the console's routes are few and
// flat, and the server answers every route with index.html.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((l) => l());
}

function subscribe(on: () => void): () => void {
  listeners.add(on);
  window.addEventListener("popstate", on);
  return () => {
    listeners.delete(on);
    window.removeEventListener("popstate", on);
  };
}

const snapshot = () => location.pathname + location.search;

export function useLocation(): { path: string; params: URLSearchParams } {
  // An external store: a change made before this component subscribed
  // (a child redirecting on its first render) is still seen.
  useSyncExternalStore(subscribe, snapshot);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** Matches "/customers/:id" against a path; the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.replace(/\/$/, "").split("/");
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) out[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

export function Link({ to, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}
