// Prints the closing line CI counts: `N passed, N failed, N skipped` from Vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.lamina/test-results.json';
let r;
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
// A file that failed without a failed test (it did not load, or a beforeAll/afterAll hook threw
// and its tests were skipped) counts as one failure.
const failedSuites = (r.testResults ?? []).filter(
  (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
console.log(
  `${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed, ${skipped} skipped`,
);
