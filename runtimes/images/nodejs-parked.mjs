#!/usr/bin/env -S /usr/local/bin/node --expose-gc --max-http-header-size=81920
/* eslint-disable n/no-process-env -- this file is a runtime's start: Lambda hands a runtime its
   configuration through the environment, and specialisation replaces that environment. */
/**
 * The parked start of the official Node.js runtime interface client in a generic worker pod
 * (ADR 0019, "Cluster mode"): Node.js boots while the pod is still generic, parks on Lamina's
 * specialization request, and only once a function is known becomes it — clears `process.env`
 * and assigns the function's (so even the variables' order is a fresh runtime's), `chdir`s to
 * the task root, confirms, then imports the unmodified aws-lambda-ric, which reads `_HANDLER`,
 * `LAMBDA_TASK_ROOT` and the rest exactly as when `/var/runtime/bootstrap` starts it. What a
 * cold call saves is Node.js's own start; Init Duration still runs from the specialisation to the
 * RIC's first `/next`, and init errors are the RIC's own (`/init/error`). Node.js starts with the
 * options of /var/runtime/bootstrap that do not depend on the function (the first line); its heap
 * keeps V8's default size, the function's memory being unknown when it starts.
 *
 * Invariants: nothing of a function is read before the answer; the RIC's native client is
 * loaded ahead (it reads only AWS_LAMBDA_RUNTIME_API, which specialisation does not change);
 * any failure before the confirmation exits non-zero, so the agent spawns the runtime fresh.
 * Usage: `nodejs-parked.mjs [path of the RIC's index.mjs]` (default: the base image's).
 */
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const ric = process.argv[2] ?? '/var/runtime/node_modules/aws-lambda-ric/index.mjs';
const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const path = '/2018-06-01/runtime/lamina/specialization';
const [host, port] = api.split(':');

/** One request to the specialization route; resolves to its status and body. */
function call(method) {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

try {
  // Warm what the RIC will need: its native client and the built-ins it requires.
  const ricRequire = createRequire(ric);
  ricRequire('./rapid-client.node');
  for (const m of ['node:net', 'node:os', 'node:util', 'node:worker_threads']) ricRequire(m);
  const answer = await call('GET');
  if (answer.status !== 200) {
    throw new Error(`specialization answered ${answer.status}: ${answer.body.toString()}`);
  }
  const spec = JSON.parse(answer.body.toString());
  for (const name of Object.keys(process.env)) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, spec.environment);
  process.chdir(spec.taskRoot);
  // As /var/runtime/bootstrap passes it: the handler is the one argument.
  process.argv.splice(2, process.argv.length - 2, spec.handler);
  const confirmed = await call('POST');
  if (confirmed.status !== 202) throw new Error(`confirmation answered ${confirmed.status}`);
} catch (err) {
  process.stderr.write(`lamina parked runtime: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}
await import(pathToFileURL(ric).href);
