import { lazy, Suspense, useEffect, useState } from "react";
import { Link, match, navigate, useLocation } from "./router";
import { getToken, signOut, describeToken } from "./session";
import { Loading } from "./ui";
import { SignIn } from "./screens/SignIn";
import { Customers } from "./screens/Customers";
import { CustomerPage } from "./screens/Customer";
import { ServiceDesk } from "./screens/ServiceDesk";
import { Segments } from "./screens/Segments";
import { Loyalty } from "./screens/Loyalty";

// The charts (ECharts) load with the analysis screen only.
const Analysis = lazy(() => import("./screens/Analysis"));

const sections = [
  { to: "/customers", label: "Customers" },
  { to: "/desk", label: "Service desk" },
  { to: "/analysis", label: "Analysis" },
  { to: "/segments", label: "Segments" },
  { to: "/loyalty", label: "Loyalty" },
];

export function App() {
  const { path } = useLocation();
  const [token, setTokenState] = useState(() => getToken(sessionStorage));
  // Behind a sign-in proxy the token is added on the way: ask no one for it.
  const [proxied, setProxied] = useState<boolean>();
  useEffect(() => {
    if (token || proxied !== undefined) return;
    fetch("/console/session", { credentials: "same-origin" })
      .then((r) => setProxied(r.ok))
      .catch(() => setProxied(false));
  }, [token, proxied]);
  if (!token && proxied === undefined) return <Loading what="the session" />;
  if (!token && !proxied) return <SignIn onSignedIn={(t) => setTokenState(t)} />;
  const who = token ? describeToken(token) : { subject: "signed in", expires: undefined };
  let page;
  let m;
  if (path === "/" || path === "") page = <Redirect to="/customers" />;
  else if (path === "/customers") page = <Customers />;
  else if ((m = match("/customers/:id", path))) page = <CustomerPage id={m.id} />;
  else if (path === "/desk") page = <ServiceDesk />;
  else if (path === "/analysis") page = <Analysis />;
  else if (path === "/segments") page = <Segments />;
  else if (path === "/loyalty") page = <Loyalty />;
  else page = <p role="alert">There is no page at {path}.</p>;
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/customers" className="brand">
          opencrm
        </Link>
        <nav aria-label="Sections">
          {sections.map((s) => (
            <Link key={s.to} to={s.to} aria-current={path.startsWith(s.to) ? "page" : undefined}>
              {s.label}
            </Link>
          ))}
        </nav>
        <span className="who" title={who.expires ? "until " + who.expires.toLocaleString() : undefined}>
          {who.subject}
        </span>
        {token && (
          <button
            type="button"
            className="small"
            onClick={() => {
              signOut(sessionStorage);
              setTokenState(null);
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading what="the charts" />}>{page}</Suspense>
      </main>
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}
