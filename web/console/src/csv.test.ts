import { describe, expect, it } from "vitest";
import { toCSV } from "./csv";

describe("toCSV", () => {
  it("writes a header and rows, quoting what needs it", () => {
    const csv = toCSV(["segment", "customers", "note"], [
      ["champions", 12, ""],
      ['at risk, "big"', 3n, "line\nbreak"],
      ["lost", 0, null],
    ]);
    expect(csv).toBe('segment,customers,note\r\nchampions,12,\r\n"at risk, ""big""",3,"line\nbreak"\r\nlost,0,\r\n');
  });
});
