import { describe, expect, it } from "vitest";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName, describeProblem, fieldError, isConflict, problemOf } from "./errors";

function badRequest(...violations: [string, string][]): Uint8Array {
  const w = new BinaryWriter();
  for (const [field, description] of violations) w.tag(1, 2).fork().tag(1, 2).string(field).tag(2, 2).string(description).join();
  return w.finish();
}

function errorInfo(reason: string, metadata: Record<string, string>): Uint8Array {
  const w = new BinaryWriter().tag(1, 2).string(reason).tag(2, 2).string("crm.opencrm.dev");
  for (const [k, v] of Object.entries(metadata)) w.tag(3, 2).fork().tag(1, 2).string(k).tag(2, 2).string(v).join();
  return w.finish();
}

/** An error as it arrives from the wire, with encoded details. */
function wireError(message: string, code: Code, details: { type: string; value: Uint8Array }[] = []): ConnectError {
  const e = new ConnectError(message, code);
  e.details = details;
  return e;
}

describe("problemOf", () => {
  it("names the field at fault from BadRequest", () => {
    const err = wireError("segment.rule: does not compile", Code.InvalidArgument, [
      { type: "google.rpc.ErrorInfo", value: errorInfo("INVALID_FIELD", {}) },
      { type: "google.rpc.BadRequest", value: badRequest(["segment.rule", "does not compile: 1:9: undeclared reference to 'metric'"]) },
    ]);
    const p = problemOf(err);
    expect(p.code).toBe("INVALID_ARGUMENT");
    expect(p.reason).toBe("INVALID_FIELD");
    expect(p.fields).toEqual([{ field: "segment.rule", description: "does not compile: 1:9: undeclared reference to 'metric'" }]);
    expect(describeProblem(p)).toBe("segment.rule: does not compile: 1:9: undeclared reference to 'metric'");
    expect(fieldError(p, "rule")).toContain("1:9");
    expect(fieldError(p, "display_name")).toBeUndefined();
  });

  it("names the reason and its metadata from ErrorInfo", () => {
    const err = wireError("a run is in progress", Code.FailedPrecondition, [
      { type: "google.rpc.ErrorInfo", value: errorInfo("RUN_IN_PROGRESS", { run: "runs/r1" }) },
    ]);
    const p = problemOf(err);
    expect(p.reason).toBe("RUN_IN_PROGRESS");
    expect(p.metadata).toEqual({ run: "runs/r1" });
    expect(describeProblem(p)).toBe("RUN_IN_PROGRESS: a run is in progress");
  });

  it("sees a stale etag as a conflict", () => {
    const err = wireError("the resource changed since it was read", Code.Aborted, [
      { type: "google.rpc.ErrorInfo", value: errorInfo("ETAG_MISMATCH", {}) },
    ]);
    expect(isConflict(problemOf(err))).toBe(true);
    expect(isConflict(problemOf(new ConnectError("x", Code.InvalidArgument)))).toBe(false);
  });

  it("falls back to the message, and says what to do about a lost sign-in", () => {
    expect(describeProblem(problemOf(new ConnectError("customer not found", Code.NotFound)))).toBe("customer not found");
    expect(describeProblem(problemOf(new ConnectError("token expired", Code.Unauthenticated)))).toMatch(/sign in again/);
    expect(problemOf(new Error("network down")).message).toBe("network down");
  });

  it("ignores details it cannot decode", () => {
    const err = wireError("bad", Code.InvalidArgument, [{ type: "google.rpc.BadRequest", value: new Uint8Array([0x0a, 0xff]) }]);
    expect(problemOf(err).fields).toEqual([]);
  });

  it("writes codes as the API documents them", () => {
    expect(codeName(Code.InvalidArgument)).toBe("INVALID_ARGUMENT");
    expect(codeName(Code.FailedPrecondition)).toBe("FAILED_PRECONDITION");
    expect(codeName(Code.NotFound)).toBe("NOT_FOUND");
  });
});
