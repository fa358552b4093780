// What went wrong, in the words of the API: a failed call carries a
// google.rpc.Status whose details name the reason (ErrorInfo) and the
// fields at fault (BadRequest). They are decoded here by hand: two small
// messages do not justify generating google/rpc for the browser.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";

export interface FieldViolation {
  field: string;
  description: string;
}

export interface Problem {
  /** The code's name, for example "INVALID_ARGUMENT". */
  code: string;
  /** The service's message. */
  message: string;
  /** ErrorInfo.reason, for example "STALE_ETAG" (empty when none). */
  reason: string;
  metadata: Record<string, string>;
  fields: FieldViolation[];
}

const ERROR_INFO = "google.rpc.ErrorInfo";
const BAD_REQUEST = "google.rpc.BadRequest";

function readString(r: BinaryReader): string {
  return r.string();
}

/** Decodes a google.rpc.ErrorInfo: reason = 1, domain = 2, metadata = 3. */
export function decodeErrorInfo(b: Uint8Array): { reason: string; domain: string; metadata: Record<string, string> } {
  const r = new BinaryReader(b);
  const out = { reason: "", domain: "", metadata: {} as Record<string, string> };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) out.reason = readString(r);
    else if (no === 2 && wt === WireType.LengthDelimited) out.domain = readString(r);
    else if (no === 3 && wt === WireType.LengthDelimited) {
      const e = new BinaryReader(r.bytes());
      let k = "";
      let v = "";
      while (e.pos < e.len) {
        const [eno, ewt] = e.tag();
        if (eno === 1) k = readString(e);
        else if (eno === 2) v = readString(e);
        else e.skip(ewt);
      }
      out.metadata[k] = v;
    } else r.skip(wt);
  }
  return out;
}

/** Decodes a google.rpc.BadRequest: field_violations = 1 {field = 1, description = 2}. */
export function decodeBadRequest(b: Uint8Array): FieldViolation[] {
  const r = new BinaryReader(b);
  const out: FieldViolation[] = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== 1 || wt !== WireType.LengthDelimited) {
      r.skip(wt);
      continue;
    }
    const v = new BinaryReader(r.bytes());
    const fv = { field: "", description: "" };
    while (v.pos < v.len) {
      const [vno, vwt] = v.tag();
      if (vno === 1 && vwt === WireType.LengthDelimited) fv.field = readString(v);
      else if (vno === 2 && vwt === WireType.LengthDelimited) fv.description = readString(v);
      else v.skip(vwt);
    }
    out.push(fv);
  }
  return out;
}

/** The code's name as the API documents it. */
export function codeName(code: Code): string {
  return (Code[code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Reads what a failed call says. */
export function problemOf(err: unknown): Problem {
  const ce = ConnectError.from(err);
  const p: Problem = { code: codeName(ce.code), message: ce.rawMessage, reason: "", metadata: {}, fields: [] };
  for (const d of ce.details) {
    if (!("value" in d) || !(d.value instanceof Uint8Array)) continue;
    const type = "type" in d ? d.type : "";
    try {
      if (type === ERROR_INFO) {
        const info = decodeErrorInfo(d.value);
        p.reason = info.reason;
        p.metadata = info.metadata;
      } else if (type === BAD_REQUEST) {
        p.fields.push(...decodeBadRequest(d.value));
      }
    } catch {
      // A detail that does not decode says nothing more than the message.
    }
  }
  return p;
}

/** One line for the user: the fields at fault, else the reason, else the message. */
export function describeProblem(p: Problem): string {
  if (p.code === "UNAUTHENTICATED") return "Your sign-in is not valid any more (" + p.message + "): sign in again.";
  if (p.code === "PERMISSION_DENIED") return "Your token lacks the permission for this: " + p.message;
  if (p.fields.length > 0) return p.fields.map((f) => `${f.field}: ${f.description}`).join("; ");
  if (p.reason !== "") return `${p.reason}: ${p.message}`;
  if (p.code === "UNAVAILABLE" || p.code === "UNKNOWN") return `The service did not answer (${p.message || p.code}).`;
  return p.message || p.code;
}

/** A stale etag: someone else changed the resource since it was read. */
export function isConflict(p: Problem): boolean {
  return p.code === "ABORTED" || p.reason === "ETAG_MISMATCH";
}

/** The violation of a field (or of a field below it), if any. */
export function fieldError(p: Problem | undefined, field: string): string | undefined {
  return p?.fields.find((f) => f.field === field || f.field.endsWith("." + field))?.description;
}
