/**
 * bench/hostile-zip's upload client, run in a worker thread so that sending 12 MB bodies does not
 * delay the bench's own invoke client (which would be counted as gateway latency). workerData:
 * `{ url, body, headers }` (body as bytes, headers: its signature on a signed gateway); posts CreateFunction in a loop until it gets a 'stop' message,
 * then answers the refusals it counted, the distinct answers and the mean time per upload.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { url, body, headers } = workerData as {
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
};
const state = { running: true };
parentPort?.once('message', () => {
  state.running = false;
});
const answers = new Set<string>();
let uploads = 0;
let refused = 0;
let totalMs = 0;
while (state.running) {
  const t = performance.now();
  const res = await fetch(`${url}/2015-03-31/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  totalMs += performance.now() - t;
  uploads++;
  answers.add(
    `${String(res.status)} ${res.headers.get('x-amzn-errortype') ?? ''} ${text.slice(0, 200)}`,
  );
  if (res.status >= 400) refused++;
}
parentPort?.postMessage({
  uploads,
  refused,
  answers: [...answers],
  meanMs: Math.round((totalMs / Math.max(1, uploads)) * 100) / 100,
});
