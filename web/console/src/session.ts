// The signed-in session: a bearer token kept in session storage (it ends
// with the tab), never in the address bar.

const KEY = "crm.token";

/** The storage the token lives in (session storage in the browser). */
export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Reads a token the local runner's sign-in link carries in the fragment
 * (#token=...), stores it and returns the fragment to drop from the
 * address, or null when there is none.
 */
export function takeFragmentToken(hash: string, store: TokenStore): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token");
  if (token === null) return null;
  params.delete("token");
  if (token.trim() !== "") store.setItem(KEY, token.trim());
  const rest = params.toString();
  return rest === "" ? "" : "#" + rest;
}

export function getToken(store: TokenStore): string | null {
  return store.getItem(KEY);
}

/** Stores a pasted token, accepting a pasted "Bearer ..." too. */
export function setToken(store: TokenStore, pasted: string): string {
  const token = pasted.trim().replace(/^Bearer\s+/i, "");
  if (token === "") throw new Error("the token is empty");
  if (token.split(".").length !== 3) throw new Error("this is not a token: a token has three parts separated by dots");
  store.setItem(KEY, token);
  return token;
}

export function signOut(store: TokenStore): void {
  store.removeItem(KEY);
}

/** The token's subject and expiry, read from its payload (not verified: the services do that). */
export function describeToken(token: string): { subject: string; expires?: Date; scopes: string[] } {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : Array.isArray(payload.scopes) ? payload.scopes : [];
    return { subject: String(payload.sub ?? ""), expires: payload.exp ? new Date(payload.exp * 1000) : undefined, scopes };
  } catch {
    return { subject: "", scopes: [] };
  }
}
