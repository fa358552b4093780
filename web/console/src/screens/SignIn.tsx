import { useState, type FormEvent } from "react";
import { setToken } from "../session";
import { Field } from "../ui";

/** Sign in by pasting a bearer token once; it stays for this tab only. */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      onSignedIn(setToken(sessionStorage, text));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main className="signin" id="main">
      <h1>opencrm console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <Field label="Bearer token" error={error} hint="The local runner prints a sign-in link and a token; in production a sign-in proxy supplies it.">
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} autoFocus spellCheck={false} autoComplete="off" />
        </Field>
        <button type="submit">Sign in</button>
      </form>
      <p className="note">The token is kept in this tab's session storage and removed when the tab closes or you sign out.</p>
    </main>
  );
}
