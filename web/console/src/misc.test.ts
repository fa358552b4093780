import { describe, expect, it } from "vitest";
import { parseRuleErrors, offsetOf } from "./rule";
import { byDueTime, isOverdue, nextStates } from "./cases";
import { CaseStatus } from "@gen/crm/interaction/v1/case_pb.js";
import { takeFragmentToken, getToken, setToken, type TokenStore } from "./session";
import { parseMoney, money, duration } from "./format";

function store(): TokenStore & { m: Map<string, string> } {
  const m = new Map<string, string>();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

describe("rule errors", () => {
  it("reads every position and message", () => {
    const errs = parseRuleErrors("does not compile: 1:9: undeclared reference to 'metric' (in container ''); 2:3: found no matching overload for '_>=_'");
    expect(errs).toEqual([
      { line: 1, column: 9, message: "undeclared reference to 'metric' (in container '')" },
      { line: 2, column: 3, message: "found no matching overload for '_>=_'" },
    ]);
    expect(parseRuleErrors("has type string, want bool")).toEqual([]);
  });

  it("finds the offset of a line and column", () => {
    expect(offsetOf("ab\ncdef", 2, 3)).toBe(5);
    expect(offsetOf("ab", 1, 99)).toBe(2);
  });
});

describe("cases", () => {
  const at = (s: number) => ({ seconds: BigInt(s), nanos: 0 });
  it("queues by due time, undated last", () => {
    const q = byDueTime([
      { id: "b", status: CaseStatus.OPEN, overdue: false, dueTime: at(200) },
      { id: "n", status: CaseStatus.OPEN, overdue: false },
      { id: "a", status: CaseStatus.OPEN, overdue: false, dueTime: at(100) },
    ]);
    expect(q.map((c) => c.id)).toEqual(["a", "b", "n"]);
  });
  it("marks open cases past due as overdue, resolved ones not", () => {
    const now = new Date(150_000);
    expect(isOverdue({ status: CaseStatus.IN_PROGRESS, overdue: false, dueTime: at(100) }, now)).toBe(true);
    expect(isOverdue({ status: CaseStatus.RESOLVED, overdue: false, dueTime: at(100) }, now)).toBe(false);
    expect(isOverdue({ status: CaseStatus.OPEN, overdue: false, dueTime: at(200) }, now)).toBe(false);
  });
  it("offers the lifecycle's moves", () => {
    expect(nextStates(CaseStatus.OPEN)).toEqual([CaseStatus.IN_PROGRESS]);
    expect(nextStates(CaseStatus.RESOLVED)).toEqual([CaseStatus.CLOSED, CaseStatus.OPEN]);
  });
});

describe("session", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  it("takes the token from the fragment once and keeps the rest", () => {
    const s = store();
    expect(takeFragmentToken(`#token=${jwt}&tab=2`, s)).toBe("#tab=2");
    expect(getToken(s)).toBe(jwt);
    expect(takeFragmentToken(`#token=${jwt}`, s)).toBe("");
    expect(takeFragmentToken("#tab=2", s)).toBeNull();
    expect(takeFragmentToken("", s)).toBeNull();
  });
  it("accepts a pasted token with or without Bearer, and refuses what is not one", () => {
    const s = store();
    expect(setToken(s, `  Bearer ${jwt}\n`)).toBe(jwt);
    expect(getToken(s)).toBe(jwt);
    expect(() => setToken(s, "hello")).toThrow(/not a token/);
    expect(() => setToken(s, "  ")).toThrow(/empty/);
  });
});

describe("format", () => {
  it("reads typed amounts exactly", () => {
    expect(parseMoney("EUR", "49.90")).toEqual({ currencyCode: "EUR", units: 49n, nanos: 900000000 });
    expect(parseMoney("EUR", "-0.5")).toEqual({ currencyCode: "EUR", units: -0n, nanos: -500000000 });
    expect(parseMoney("EUR", "4,90")).toBeUndefined();
    expect(parseMoney("EUR", "")).toBeUndefined();
    expect(money({ currencyCode: "EUR", units: 12n, nanos: 50000000 })).toBe("EUR 12.05");
  });
  it("writes durations for people", () => {
    expect(duration(90)).toBe("2 min");
    expect(duration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(duration(52 * 3600)).toBe("2 d 4 h");
    expect(duration(0)).toBe("—");
  });
});
