import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { RedemptionState } from "@gen/crm/loyalty/v1/reward_pb.js";
import { canMarkUsed, isCodeShaped, normaliseCode, stateLabel, stateTime } from "./redemptions";

describe("redemption codes", () => {
  it("normalises what a shop types", () => {
    expect(normaliseCode(" abcde-fgh23-jk4mn ")).toBe("ABCDE-FGH23-JK4MN");
    expect(normaliseCode("abcdefgh23jk4mn")).toBe("ABCDE-FGH23-JK4MN");
    expect(normaliseCode("ABCDE FGH23 JK4MN")).toBe("ABCDE-FGH23-JK4MN");
    // Not a code: left for the API to name the field.
    expect(normaliseCode("abc-1")).toBe("ABC-1");
  });

  it("knows the shape the API accepts", () => {
    expect(isCodeShaped("ABCDE-FGH23-JK4MN")).toBe(true);
    expect(isCodeShaped("ABCDE-FGH21-JK4MN")).toBe(false); // 1 is not in the alphabet
    expect(isCodeShaped("ABCDE-FGH23")).toBe(false);
    expect(isCodeShaped("")).toBe(false);
  });
});

describe("redemption state", () => {
  const t = (s: number) => create(TimestampSchema, { seconds: BigInt(s) });

  it("labels every state", () => {
    expect(stateLabel(RedemptionState.ISSUED)).toBe("issued");
    expect(stateLabel(RedemptionState.USED)).toBe("used");
    expect(stateLabel(RedemptionState.CANCELLED)).toBe("cancelled");
    expect(stateLabel(RedemptionState.UNSPECIFIED)).toBe("unknown");
  });

  it("offers Mark used only for an issued code", () => {
    expect(canMarkUsed({ state: RedemptionState.ISSUED })).toBe(true);
    expect(canMarkUsed({ state: RedemptionState.USED, useTime: t(5) })).toBe(false);
    expect(canMarkUsed({ state: RedemptionState.CANCELLED, cancelTime: t(5) })).toBe(false);
    expect(canMarkUsed(undefined)).toBe(false);
  });

  it("shows the time that goes with the state", () => {
    expect(stateTime({ state: RedemptionState.USED, useTime: t(7), cancelTime: t(3) })?.seconds).toBe(7n);
    expect(stateTime({ state: RedemptionState.CANCELLED, cancelTime: t(3) })?.seconds).toBe(3n);
    expect(stateTime({ state: RedemptionState.ISSUED })).toBeUndefined();
  });
});
