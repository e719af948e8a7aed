import { parseAmznTraceId, type TraceParent } from '@lamina/core';
import type { SpanHandle, SpanOptions, Tracing } from '@lamina/service-kit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp, record } from '../test-support/fakes.js';

const INVOKE = '/2015-03-31/functions/hello/invocations';
const TRACE = '5759e988bd862e3fe1be46a994272793';
const CALLER = '53995c3f42cd8ad8';

interface Recorded {
  readonly name: string;
  readonly parent: TraceParent | undefined;
  readonly position: TraceParent;
  ended: boolean;
  failed?: string;
}

/** A Tracing that records spans; ids count up, the trace is the parent's or a fixed new one. */
function recordingTracing(): Tracing & { spans: Recorded[] } {
  const spans: Recorded[] = [];
  return {
    enabled: true,
    spans,
    startSpan(name: string, o: SpanOptions = {}): SpanHandle {
      const position = {
        traceId: o.parent?.traceId ?? 'f'.repeat(32),
        spanId: (spans.length + 1).toString(16).padStart(16, '0'),
        sampled: true,
      };
      const r: Recorded = { name, parent: o.parent, position, ended: false };
      spans.push(r);
      return {
        position,
        setAttribute: () => undefined,
        fail: (m) => {
          r.failed = m;
        },
        end: () => {
          r.ended = true;
        },
      };
    },
    shutdown: () => Promise.resolve(),
  };
}

function withHello(tracing: Tracing) {
  const t = fakeApp({ tracing });
  t.functions.records.set('hello', record('hello'));
  return t;
}

describe('traced invoke', () => {
  it('joins the caller’s traceparent and hands the function its invoke span as Parent', async () => {
    const tracing = recordingTracing();
    const { app, pool } = withHello(tracing);
    await request(app)
      .post(INVOKE)
      .set('traceparent', `00-${TRACE}-${CALLER}-01`)
      .send('{}')
      .expect(200);
    const byName = new Map(tracing.spans.map((s) => [s.name, s]));
    const root = byName.get('Invoke');
    expect(root?.parent?.spanId).toBe(CALLER);
    expect(byName.get('admission')?.parent).toEqual(root?.position);
    const run = byName.get('invoke');
    expect(run?.parent).toEqual(root?.position);
    expect(tracing.spans.every((s) => s.ended)).toBe(true);
    const header = pool.calls[0]?.invocation.traceId;
    expect(header).toMatch(
      /^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=1$/,
    );
    expect(parseAmznTraceId(header)?.spanId).toBe(run?.position.spanId);
  });

  it('reads X-Amzn-Trace-Id when there is no traceparent', async () => {
    const tracing = recordingTracing();
    const { app } = withHello(tracing);
    await request(app)
      .post(INVOKE)
      .set('X-Amzn-Trace-Id', `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${CALLER};Sampled=1`)
      .send('{}')
      .expect(200);
    expect(tracing.spans.find((s) => s.name === 'Invoke')?.parent).toEqual({
      traceId: TRACE,
      spanId: CALLER,
      sampled: true,
    });
  });

  it('ends a throttled call’s spans as failed', async () => {
    const tracing = recordingTracing();
    const { app, admission } = withHello(tracing);
    admission.reserved.set('hello', 0);
    await request(app).post(INVOKE).send('{}').expect(429);
    const root = tracing.spans.find((s) => s.name === 'Invoke');
    expect(tracing.spans.every((s) => s.ended)).toBe(true);
    expect(root?.failed).toBeDefined();
    expect(tracing.spans.some((s) => s.name === 'invoke')).toBe(false);
  });

  it('without tracing, the gateway passes no trace header (the environment makes one)', async () => {
    const t = fakeApp();
    t.functions.records.set('hello', record('hello'));
    await request(t.app)
      .post(INVOKE)
      .set('traceparent', `00-${TRACE}-${CALLER}-01`)
      .send('{}')
      .expect(200);
    expect(t.pool.calls[0]?.invocation.traceId).toBeUndefined();
  });
});
