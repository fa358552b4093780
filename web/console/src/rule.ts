// Rule errors as segmentation reports them: "does not compile: 1:14:
// undeclared reference to 'metric'; 2:3: ..." (line and column from 1).

export interface RuleError {
  line: number;
  column: number;
  message: string;
}

export function parseRuleErrors(description: string): RuleError[] {
  const body = description.replace(/^.*?does not compile:\s*/, "");
  const out: RuleError[] = [];
  const re = /(\d+):(\d+):\s*((?:(?!;\s*\d+:\d+:).)*)/gs;
  for (const m of body.matchAll(re)) {
    out.push({ line: Number(m[1]), column: Number(m[2]), message: m[3].trim().replace(/;$/, "") });
  }
  return out;
}

/** The character offset in rule of a line and column (both from 1), clamped to the text. */
export function offsetOf(rule: string, line: number, column: number): number {
  const lines = rule.split("\n");
  let off = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length - 1); i++) off += lines[i].length + 1;
  const l = lines[Math.min(line - 1, lines.length - 1)] ?? "";
  return off + Math.min(Math.max(column - 1, 0), l.length);
}
