import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionVersionConfig } from '@lamina/core';
import { ProcessPool } from '../process-pool.js';
import { Sandbox } from './sandbox.js';
import {
  bootstrapPath,
  ensureRuntimeBuilt,
  makeFn,
  makeInvocation,
  nodeCommand,
  parse,
} from '../test-support/fixtures.js';

const quiet = (): void => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
const scratch = mkdtempSync(path.join(tmpdir(), 'lamina-sandbox-test-'));
const sandbox = Sandbox.detect({ logger, scratchRoot: scratch });

const invocation = (payload: unknown) => makeInvocation(payload);

// Runs where bubblewrap does (scripts/setup.sh installs it); test/e2e/sandbox.int.test.ts covers
// the limits through the SDK.
describe.runIf(sandbox !== undefined)(
  'ProcessPool in bubblewrap sandboxes',
  { timeout: 20_000 },
  () => {
    let pool: ProcessPool;

    beforeAll(() => {
      ensureRuntimeBuilt();
      pool = new ProcessPool({
        logger,
        ...(sandbox === undefined ? {} : { placements: sandbox }),
        runtimes: {
          'nodejs22.x': {
            command: nodeCommand,
            specializable: true,
            warmPool: 1,
            sandboxPaths: [process.execPath, path.dirname(path.dirname(bootstrapPath))],
          },
        },
      });
    }, 60_000);

    afterAll(async () => {
      await pool.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    const fn = (o: Partial<FunctionVersionConfig>) => makeFn({ name: 'sandboxed', ...o });

    it('specialises a pre-warmed runtime with the code at /var/task and a private /tmp', async () => {
      await new Promise((r) => setTimeout(r, 500)); // the generic runtime boots
      const f = fn({ handler: 'tmp.handler' });
      // With a log tail REPORT is written before the answer, its peak in the result.
      const first = await pool.invoke(f, makeInvocation({}, { tailLog: true }));
      expect(parse(first.payload)).toEqual({ calls: 1, onDisk: 1 });
      expect(first.maxMemoryUsedMb).toBeGreaterThan(10); // read from the runtime inside
      const second = await pool.invoke(f, invocation({}));
      expect(parse(second.payload)).toEqual({ calls: 2, onDisk: 2 });
    });

    it('reports a runtime killed by a signal as Lambda does, through bwrap', async () => {
      const r = await pool.invoke(fn({ handler: 'exit.kill' }), invocation({}));
      expect(r.errorType).toBe('Runtime.ExitError');
      expect(r.payload.toString()).toContain('exited with error: signal: killed');
    });

    it('gives a function of larger ephemeral storage a fresh sandbox of that size', async () => {
      const r = await pool.invoke(
        fn({ handler: 'context.handler', ephemeralStorage: 1024 }),
        invocation({}),
      );
      expect(r.functionError).toBeUndefined();
    });
  },
);
