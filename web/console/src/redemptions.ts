// The shop's check of a reward code: what the panel shows of a redemption
// and whether it offers "Mark used". Pure, so it is tested without a page.
import { RedemptionState } from "@gen/crm/loyalty/v1/reward_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

/** A code's shape as the API checks it: three groups of five of A-Z and 2-7. */
const CODE = /^[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}$/;

/**
 * A code as typed, the way the API wants it: upper case, spaces dropped,
 * and the hyphens put back when someone typed the fifteen characters alone.
 */
export function normaliseCode(typed: string): string {
  const t = typed.replace(/\s+/g, "").toUpperCase();
  if (/^[A-Z2-7]{15}$/.test(t)) return `${t.slice(0, 5)}-${t.slice(5, 10)}-${t.slice(10)}`;
  return t;
}

/** Whether a normalised code has the shape the API accepts (the API says why not). */
export function isCodeShaped(code: string): boolean {
  return CODE.test(code);
}

/** What a redemption's state is called in the panel. */
export function stateLabel(state: RedemptionState): string {
  switch (state) {
    case RedemptionState.ISSUED:
      return "issued";
    case RedemptionState.USED:
      return "used";
    case RedemptionState.CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

export interface RedemptionLike {
  state: RedemptionState;
  useTime?: Timestamp;
  cancelTime?: Timestamp;
}

/** A code can be marked used while it is issued only: once, never after a cancel. */
export function canMarkUsed(r: RedemptionLike | undefined): boolean {
  return r?.state === RedemptionState.ISSUED;
}

/** The time that goes with the state: when it was used or cancelled, if it was. */
export function stateTime(r: RedemptionLike): Timestamp | undefined {
  if (r.state === RedemptionState.USED) return r.useTime;
  if (r.state === RedemptionState.CANCELLED) return r.cancelTime;
  return undefined;
}
