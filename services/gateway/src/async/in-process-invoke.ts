/**
 * The gateway's sync Invoke as a call in this process (core's InvokeApi, ADR 0055): the entry a
 * dispatcher composed beside the gateway (`lamina dev`) runs its attempts through instead of
 * HTTP to its own port. One behaviour, two entries: it runs what the HTTP entry runs after the
 * request is read — Invoke's service-model check, the function ref, `resolveTarget` (a Pending
 * function this process is making Active is waited for), the payload rules, then `runRecorded`
 * (trace, run record, admission with its 429, the environment, the response size limit) and
 * `recordResult` — and answers what the HTTP entry would have written: 200 with the function
 * error and executed version, or the error's status and Lambda's body.
 *
 * Invariants: never throws (an unexpected throw is a 500 ServiceException, logged, like the
 * HTTP error writer's); `requestId` is the call's request id; `headers` are read as request
 * headers (lower-case names: the run-record request, traceparent, X-Amz-Log-Type,
 * X-Amz-Client-Context). Not guarded by the access keys: only the composition root hands it
 * out, to the platform's own services (the HTTP entry stays signed).
 */
import {
  assertModelValid,
  functionRefIn,
  type InvokeApi,
  type InvokeApiAnswer,
  type Invocation,
  INVOKE_HEADERS,
} from '@lamina/core';

import { errorAnswer } from '../http/errors.js';
import { RequestContext } from '../http/request-context.js';
import {
  clientContext,
  header,
  type InvokeDeps,
  invokePayload,
  recordResult,
  resolveTarget,
  runRecorded,
  tailLog,
} from '../routes/invoke.js';

const NO_HEADERS: Readonly<Record<string, string>> = {};

async function run(
  deps: InvokeDeps,
  ctx: RequestContext,
  functionRef: string,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
): Promise<InvokeApiAnswer> {
  const req = { headers };
  const value = (name: string): string | undefined => header(req, name);
  assertModelValid('Invoke', {
    uri: { FunctionName: functionRef },
    query: () => undefined,
    header: value,
  });
  const ref = functionRefIn(deps.config, functionRef, undefined);
  const target = await resolveTarget(deps, ctx, ref);
  const tail = tailLog(value(INVOKE_HEADERS.logType));
  const context = clientContext(value(INVOKE_HEADERS.clientContext));
  const invocation: Invocation = {
    requestId: ctx.requestId,
    invokedFunctionArn: target.invokedArn,
    payload: invokePayload(body),
    tailLog: tail,
    ...(context === undefined ? {} : { clientContext: context }),
  };
  const result = await runRecorded(deps, req, ctx, ref.name, target, invocation);
  recordResult(target.metrics, result);
  return {
    statusCode: 200,
    ...(result.functionError === undefined ? {} : { functionError: result.functionError }),
    executedVersion: result.executedVersion,
    body: result.payload.toString('utf8'),
  };
}

/** The in-process entry over the invoke route's deps (createApp builds it beside the routes). */
export function inProcessInvoke(deps: InvokeDeps): InvokeApi {
  return {
    invoke: async (functionRef, payload, requestId, headers = NO_HEADERS) => {
      const ctx = new RequestContext(requestId, deps.logger);
      try {
        return await run(deps, ctx, functionRef, payload, headers);
      } catch (err) {
        const { error, body } = errorAnswer(err, ctx);
        return { statusCode: error.status, body };
      }
    },
  };
}
