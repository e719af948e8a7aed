// Writes docs/openapi.json: the OpenAPI document of the Lambda operations the gateway serves (the
// rows of docs/compatibility.md marked supported or partial), built by @lamina/core's
// lambdaOpenApi from the same service model as request validation (ADR 0031). The fuzzing suite
// (test/e2e/fuzz-api.int.test.ts) reads it; services/gateway/src/openapi-doc.test.ts keeps it true.
//
// Run: `npm run gen:openapi` (after building @lamina/core).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { lambdaOpenApi } from '@lamina/core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function servedOperations(compatibilityMd) {
  const ops = [];
  for (const line of compatibilityMd.split('\n')) {
    const m = /^\| `?([A-Z][A-Za-z0-9]+)`? \| (supported|partial) \|/.exec(line);
    if (m) ops.push(m[1]);
  }
  return ops;
}

const ops = servedOperations(readFileSync(path.join(ROOT, 'docs/compatibility.md'), 'utf8'));
writeFileSync(
  path.join(ROOT, 'docs/openapi.json'),
  `${JSON.stringify(lambdaOpenApi(ops), null, 2)}\n`,
);
