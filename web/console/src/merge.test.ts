import { describe, expect, it } from "vitest";
import { confirmationMatches, eraseWord, mergeBlocker, mergeOutcome, type MergeSide } from "./merge";

const t = (s: number) => ({ seconds: BigInt(s), nanos: 0 });
function side(p: Partial<MergeSide>): MergeSide {
  return { displayName: "", emails: [], phones: [], consents: [], ...p };
}

describe("merge outcome", () => {
  it("keeps the survivor's name and unites contacts, survivor's first", () => {
    const o = mergeOutcome(
      side({ displayName: "Ada Lovelace", emails: [{ address: "ada@x.org", primary: true }], phones: [{ number: "+441", primary: true }] }),
      side({ displayName: "A. Lovelace", emails: [{ address: "a@y.org", primary: true }, { address: "ada@x.org", primary: false }], phones: [{ number: "+441", primary: false }] }),
    );
    expect(o.displayName).toBe("Ada Lovelace");
    expect(o.emails).toEqual(["ada@x.org", "a@y.org"]);
    expect(o.phones).toEqual(["+441"]);
    expect(o.fromLoser).toEqual(["emails"]);
  });

  it("takes the loser's name only when the survivor has none", () => {
    const o = mergeOutcome(side({}), side({ displayName: "Bob" }));
    expect(o.displayName).toBe("Bob");
    expect(o.fromLoser).toEqual(["display_name"]);
  });

  it("keeps the later consent decision per purpose and channel", () => {
    const o = mergeOutcome(
      side({ consents: [{ channel: 1, purpose: "", granted: true, time: t(100) }, { channel: 2, purpose: "marketing", granted: true, time: t(300) }] }),
      side({ consents: [{ channel: 1, purpose: "marketing", granted: false, time: t(200) }, { channel: 2, purpose: "marketing", granted: false, time: t(250) }, { channel: 2, purpose: "profiling", granted: true, time: t(50) }] }),
    );
    expect(o.consents.map((c) => [c.channel, c.purpose || "marketing", c.granted])).toEqual([
      [1, "marketing", false],
      [2, "marketing", true],
      [2, "profiling", true],
    ]);
    expect(o.fromLoser).toEqual(["consents"]);
  });

  it("takes nothing from a loser that adds nothing", () => {
    const s = side({ displayName: "C", emails: [{ address: "c@x.org", primary: true }] });
    expect(mergeOutcome(s, side({ emails: [{ address: "c@x.org", primary: true }] })).fromLoser).toEqual([]);
  });

  it("refuses a merge with itself or with an inactive record", () => {
    expect(mergeBlocker({ name: "customers/a", state: 1 }, { name: "customers/a", state: 1 }, 1)).toMatch(/itself/);
    expect(mergeBlocker({ name: "customers/a", state: 1 }, { name: "customers/b", state: 3 }, 1)).toMatch(/merge in/);
    expect(mergeBlocker({ name: "customers/a", state: 2 }, { name: "customers/b", state: 1 }, 1)).toMatch(/surviving/);
    expect(mergeBlocker({ name: "customers/a", state: 1 }, { name: "customers/b", state: 1 }, 1)).toBeUndefined();
  });
});

describe("erase confirmation", () => {
  it("asks for the display name, or ERASE without one", () => {
    expect(eraseWord(" Ada Lovelace ")).toBe("Ada Lovelace");
    expect(eraseWord("  ")).toBe("ERASE");
  });

  it("matches exactly apart from spacing", () => {
    expect(confirmationMatches("Ada  Lovelace ", "Ada Lovelace")).toBe(true);
    expect(confirmationMatches("ada lovelace", "Ada Lovelace")).toBe(false);
    expect(confirmationMatches("Ada", "Ada Lovelace")).toBe(false);
    expect(confirmationMatches("", "")).toBe(false);
  });
});
