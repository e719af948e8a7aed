import { describe, expect, it } from 'vitest';

import {
  formatAmznTraceId,
  formatTraceparent,
  incomingTraceParent,
  parseAmznTraceId,
  parseTraceparent,
  traceHeaders,
} from './trace-context.js';

const TRACE = '5759e988bd862e3fe1be46a994272793';
const SPAN = '53995c3f42cd8ad8';

describe('trace context', () => {
  it('reads and writes W3C traceparent', () => {
    const p = parseTraceparent(`00-${TRACE}-${SPAN}-01`);
    expect(p).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: false })).toBe(
      `00-${TRACE}-${SPAN}-00`,
    );
  });

  it('ignores malformed or all-zero traceparents', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
    // A later version may carry more fields.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-more`)?.traceId).toBe(TRACE);
  });

  it('maps X-Amzn-Trace-Id to the same 128-bit trace id, fields in any order', () => {
    const header = `Sampled=1;Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Lineage=x`;
    expect(parseAmznTraceId(header)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(formatAmznTraceId({ traceId: TRACE, spanId: SPAN, sampled: true })).toBe(
      `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Sampled=1`,
    );
  });

  it('needs a Root and a Parent in X-Amzn-Trace-Id', () => {
    expect(parseAmznTraceId('Root=1-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
    expect(parseAmznTraceId(`Root=2-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN}`)).toBe(
      undefined,
    );
    expect(parseAmznTraceId('nonsense')).toBeUndefined();
  });

  it('prefers traceparent over X-Amzn-Trace-Id and writes both', () => {
    const other = 'aaaaaaaabbbbbbbbccccccccdddddddd';
    const headers: Record<string, string> = {
      traceparent: `00-${other}-${SPAN}-01`,
      'x-amzn-trace-id': `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Sampled=1`,
    };
    expect(incomingTraceParent((n) => headers[n])?.traceId).toBe(other);
    expect(
      incomingTraceParent((n) => (n === 'traceparent' ? undefined : headers[n]))?.traceId,
    ).toBe(TRACE);
    const out = traceHeaders({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(out['traceparent'])?.traceId).toBe(TRACE);
    expect(parseAmznTraceId(out['x-amzn-trace-id'])?.traceId).toBe(TRACE);
  });
});
