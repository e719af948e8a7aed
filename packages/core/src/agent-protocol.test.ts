import { describe, expect, it } from 'vitest';

import {
  AGENT_HEADERS,
  agentErrorResponse,
  agentRefusal,
  invocationHeaders,
  parseAgentError,
  parseInvocationRequest,
  parseResult,
  resultHeaders,
} from './agent-protocol.js';
import { ResourceNotReadyException } from './errors.js';

describe('agent protocol', () => {
  it('carries an invocation through headers and back', () => {
    const headers = invocationHeaders(
      { functionName: 'hello', version: '3' },
      {
        requestId: 'r-1',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello:prod',
        payload: Buffer.from('{}'),
        deadlineMs: 1_700_000_000_000,
        clientContext: '{"custom":{"ü":1}}',
        cognitoIdentity: '{"cognitoIdentityId":"x"}',
        traceId: 'Root=1-abc',
        tailLog: true,
      },
    );
    const parsed = parseInvocationRequest(headers, Buffer.from('{}'));
    expect(parsed.target).toEqual({ functionName: 'hello', version: '3' });
    expect(parsed.invocation).toMatchObject({
      requestId: 'r-1',
      deadlineMs: 1_700_000_000_000,
      clientContext: '{"custom":{"ü":1}}',
      cognitoIdentity: '{"cognitoIdentityId":"x"}',
      traceId: 'Root=1-abc',
      tailLog: true,
    });
  });

  it('refuses a request without its identifying headers', () => {
    expect(() => parseInvocationRequest({}, Buffer.alloc(0))).toThrow(/x-lamina-function/);
  });

  it('carries a result, function error and log included', () => {
    const headers = resultHeaders({
      payload: Buffer.from('x'),
      functionError: 'Unhandled',
      errorType: 'Sandbox.Timedout',
      executedVersion: '2',
      log: 'START\nREPORT ü',
      coldStart: true,
      initDurationMs: 12.5,
      durationMs: 3,
      maxMemoryUsedMb: 41,
    });
    expect(parseResult(headers, Buffer.from('x'), '$LATEST')).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'Sandbox.Timedout',
      executedVersion: '2',
      log: 'START\nREPORT ü',
      coldStart: true,
      initDurationMs: 12.5,
      durationMs: 3,
      maxMemoryUsedMb: 41,
    });
  });

  it('round-trips platform errors and refusals', () => {
    const { status, body } = agentErrorResponse(new ResourceNotReadyException('gone'));
    expect(status).toBe(502);
    const back = parseAgentError(status, Buffer.from(JSON.stringify(body)));
    expect(back.name).toBe('ResourceNotReadyException');
    expect(back.message).toBe('gone');
    expect(parseAgentError(500, Buffer.from('<html>')).name).toBe('ServiceException');
    expect(agentRefusal({ [AGENT_HEADERS.refusal]: 'busy' })).toBe('busy');
    expect(agentRefusal({ [AGENT_HEADERS.refusal]: 'nope' })).toBeUndefined();
  });
});
