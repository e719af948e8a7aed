import type {
  FunctionVersionConfig,
  Invocation,
  InvocationResult,
  SpecializationRequest,
} from '@lamina/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { makeFn, makeInvocation, quietLogger } from '../test-support/fixtures.js';
import { GenericAgent } from './generic-agent.js';
import { WorkerAgent, type Refusal, type Slot } from './worker-agent.js';

const HEX = 'a'.repeat(64);
const request = (over: Partial<SpecializationRequest> = {}): Buffer =>
  Buffer.from(
    JSON.stringify({
      functionName: 'hello',
      version: '$LATEST',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      memorySizeMb: 128,
      timeoutSeconds: 3,
      ephemeralStorageMb: 512,
      environment: { A: '1' },
      codeSha256Hex: HEX,
      codeToken: 'tok',
      ...over,
    }),
  );

function setup(
  fetchCode: (r: SpecializationRequest) => Promise<string> = () => Promise.resolve('/code'),
  parked?: { settled: boolean; stop(): Promise<void> },
) {
  const ran: { fn: FunctionVersionConfig; invocation: Invocation }[] = [];
  const became: { request: SpecializationRequest; dir: string }[] = [];
  const closed: string[] = [];
  const agent = new GenericAgent({
    runtime: 'nodejs22.x',
    idleMs: 1000,
    logger: quietLogger,
    fetchCode,
    ...(parked === undefined ? {} : { parked }),
    become: (r, dir) => {
      became.push({ request: r, dir });
      const fn = makeFn({ name: r.functionName, version: r.version, environment: r.environment });
      return new WorkerAgent({
        target: { functionName: r.functionName, version: r.version },
        pool: {
          invoke: (f, invocation): Promise<InvocationResult> => {
            ran.push({ fn: f, invocation });
            return Promise.resolve({
              payload: invocation.payload,
              executedVersion: f.version,
              coldStart: true,
              durationMs: 1,
            });
          },
          close: () => {
            closed.push(r.functionName);
            return Promise.resolve();
          },
        },
        lookup: () => Promise.resolve({ kind: 'ready', fn }),
        logger: quietLogger,
      });
    },
  });
  return { agent, ran, became, closed };
}

const slot = (claim: Slot | Refusal): Slot => {
  if ('refusal' in claim) throw new Error(`refused: ${claim.refusal}`);
  return claim;
};

afterEach(() => {
  vi.useRealTimers();
});

describe('GenericAgent', () => {
  it('is ready as generic and refuses calls until specialised', async () => {
    const { agent } = setup();
    expect(await agent.readiness()).toEqual({
      ready: true,
      reason: 'generic nodejs22.x environment',
    });
    const claim = agent.claim({ functionName: 'hello', version: '$LATEST' });
    expect('refusal' in claim && claim.refusal).toBe('wrong-target');
  });

  it('turns ready once the specialisation was rehearsed', async () => {
    const rehearsal = { settled: false };
    const agent = new GenericAgent({
      runtime: 'nodejs22.x',
      idleMs: 1000,
      logger: quietLogger,
      fetchCode: () => Promise.resolve('/code'),
      become: () => {
        throw new Error('not specialised here');
      },
      rehearsal,
    });
    expect(await agent.readiness()).toEqual({
      ready: false,
      reason: 'rehearsing the specialisation',
    });
    rehearsal.settled = true;
    expect((await agent.readiness()).ready).toBe(true);
  });

  it('turns ready once its parked runtime settled, and stops it when closed untaken', async () => {
    const parked = {
      settled: false,
      stopped: 0,
      stop: () => {
        parked.stopped++;
        return Promise.resolve();
      },
    };
    const { agent } = setup(undefined, parked);
    expect(await agent.readiness()).toEqual({
      ready: false,
      reason: 'starting the generic nodejs22.x runtime',
    });
    parked.settled = true;
    expect((await agent.readiness()).ready).toBe(true);
    await agent.close();
    expect(parked.stopped).toBe(1);
  });

  it('takes exactly one specialise request, then serves that version only', async () => {
    const { agent, became, ran } = setup();
    const [first, second] = await Promise.all([
      agent.specialize(request()),
      agent.specialize(request({ functionName: 'other' })),
    ]);
    expect(first).toEqual({ status: 200, answer: { ok: true } });
    expect(second.status).toBe(409);
    expect(second.answer.refusal).toBe('claimed');
    expect(became).toHaveLength(1);
    expect(became[0]?.request.environment).toEqual({ A: '1' });
    expect(became[0]?.dir).toBe('/code');
    expect(agent.target).toEqual({ functionName: 'hello', version: '$LATEST' });

    const result = await slot(agent.claim({ functionName: 'hello', version: '$LATEST' })).run(
      makeInvocation({ x: 1 }),
    );
    expect(result.payload.toString()).toBe('{"x":1}');
    expect(ran).toHaveLength(1);
    const wrong = agent.claim({ functionName: 'other', version: '$LATEST' });
    expect('refusal' in wrong && wrong.refusal).toBe('wrong-target');
  });

  it('refuses another runtime and malformed requests, staying generic', async () => {
    const { agent } = setup();
    const wrong = await agent.specialize(request({ runtime: 'python3.12' }));
    expect(wrong.status).toBe(409);
    expect(wrong.answer.refusal).toBe('wrong-runtime');
    const bad = await agent.specialize(request({ codeSha256Hex: 'xyz' }));
    expect(bad.status).toBe(400);
    const extra = await agent.specialize(Buffer.from(JSON.stringify({ nope: true })));
    expect(extra.status).toBe(400);
    expect((await agent.specialize(request())).status).toBe(200);
  });

  it('is generic again when the code cannot be fetched', async () => {
    let fail = true;
    const { agent } = setup(() =>
      fail ? Promise.reject(new Error('GET …: answered 403')) : Promise.resolve('/code'),
    );
    const failed = await agent.specialize(request());
    expect(failed.status).toBe(502);
    expect(failed.answer.message).toContain('403');
    expect((await agent.readiness()).reason).toBe('generic nodejs22.x environment');
    fail = false;
    expect((await agent.specialize(request())).status).toBe(200);
  });

  it('expires after being idle: unready for good, calls refused, environment closed', async () => {
    vi.useFakeTimers();
    const { agent, closed } = setup();
    await agent.specialize(request());
    const s = slot(agent.claim({ functionName: 'hello', version: '$LATEST' }));
    // A call running keeps it alive past the idle time.
    await vi.advanceTimersByTimeAsync(5000);
    await s.run(makeInvocation({}));
    expect((await agent.readiness()).ready).toBe(true);
    await vi.advanceTimersByTimeAsync(999);
    expect((await agent.readiness()).ready).toBe(true);
    await vi.advanceTimersByTimeAsync(2);
    expect(await agent.readiness()).toMatchObject({ ready: false });
    const refused = agent.claim({ functionName: 'hello', version: '$LATEST' });
    expect('refusal' in refused && refused.refusal).toBe('draining');
    expect(closed).toEqual(['hello']);
  });
});
