// Validates an OpenAPI description against the OpenAPI 3 schema and checks
// that every $ref resolves: node tools/validate-openapi.mjs FILE...
import { validate } from "@readme/openapi-parser";

let failed = false;
for (const file of process.argv.slice(2)) {
  const result = await validate(file);
  if (result.valid) {
    console.log(`${file}: valid`);
    continue;
  }
  failed = true;
  console.error(`${file}: invalid`);
  for (const e of result.errors ?? []) console.error(`  ${e.message ?? JSON.stringify(e)}`);
}
if (process.argv.length < 3) {
  console.error("usage: node tools/validate-openapi.mjs FILE...");
  failed = true;
}
process.exit(failed ? 1 : 0);
