// Decisions behind the merge and erase actions on the customer page: what a
// merge will keep (the same rules customer-profile applies) and whether a
// typed confirmation matches.

/** The parts of a customer the merge preview compares. */
export interface MergeSide {
  displayName: string;
  emails: { address: string; primary: boolean }[];
  phones: { number: string; primary: boolean }[];
  consents: { channel: number; purpose: string; granted: boolean; time?: { seconds: bigint; nanos: number } }[];
}

/** What the survivor holds after the merge, and which fields come from the loser. */
export interface MergeOutcome<S extends MergeSide> {
  displayName: string;
  emails: string[];
  phones: string[];
  consents: S["consents"];
  fromLoser: string[];
}

function millis(t: { seconds: bigint; nanos: number } | undefined): number {
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : 0;
}

/**
 * The survivor after merging loser into it, as customer-profile merges: the
 * survivor's display name stays; e-mails and phones are united (the
 * survivor's first); per consent purpose and channel the later decision wins.
 */
export function mergeOutcome<S extends MergeSide>(survivor: S, loser: S): MergeOutcome<S> {
  const fromLoser: string[] = [];
  const unite = (mine: string[], theirs: string[], path: string) => {
    const out = [...mine];
    for (const v of theirs) if (!out.includes(v)) out.push(v);
    if (out.length > mine.length) fromLoser.push(path);
    return out;
  };
  const emails = unite(survivor.emails.map((e) => e.address), loser.emails.map((e) => e.address), "emails");
  const phones = unite(survivor.phones.map((p) => p.number), loser.phones.map((p) => p.number), "phones");
  const consents = [...survivor.consents];
  let tookConsent = false;
  for (const c of loser.consents) {
    const purpose = c.purpose || "marketing";
    const i = consents.findIndex((x) => x.channel === c.channel && (x.purpose || "marketing") === purpose);
    if (i < 0) { consents.push(c); tookConsent = true; }
    else if (millis(c.time) > millis(consents[i].time)) { consents[i] = c; tookConsent = true; }
  }
  if (tookConsent) fromLoser.push("consents");
  const displayName = survivor.displayName || loser.displayName;
  if (!survivor.displayName && loser.displayName) fromLoser.unshift("display_name");
  return { displayName, emails, phones, consents, fromLoser };
}

/** Why two customers cannot be merged from the console, or undefined when they can. */
export function mergeBlocker(survivor: { name: string; state: number }, loser: { name: string; state: number }, activeState: number): string | undefined {
  if (survivor.name === loser.name) return "a customer cannot be merged with itself";
  if (survivor.state !== activeState) return "the surviving customer is not active";
  if (loser.state !== activeState) return "the customer to merge in is not active";
  return undefined;
}

/** The text a user types to confirm erasing a customer: the display name, or ERASE when it has none. */
export function eraseWord(displayName: string): string {
  return displayName.trim() || "ERASE";
}

/**
 * Whether the typed confirmation matches: exactly, apart from surrounding
 * spaces and runs of inner spaces; letter case counts, so a hurried
 * near-miss does not erase anyone.
 */
export function confirmationMatches(typed: string, expected: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, " ");
  return norm(expected) !== "" && norm(typed) === norm(expected);
}
