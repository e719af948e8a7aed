/**
 * Spans of one sync invoke (tracing on): `Invoke` (server, under the caller's traceparent or
 * X-Amzn-Trace-Id) with children `admission` (the concurrency lease) and `invoke` (the call to
 * the execution environment), and under `invoke` the phases the environment reports:
 * `environment` (waiting for or starting an environment: the call's time less the handler's
 * Duration) and, on a cold start, `init` (Init Duration, ending where the handler starts).
 * The function's `_X_AMZN_TRACE_ID` names the `invoke` span as Parent (Lambda-Runtime-Trace-Id),
 * so spans made inside the function (X-Ray SDK, OpenTelemetry's Lambda instrumentation) join.
 *
 * Invariants: only built when `tracing.enabled`, so the invoke path allocates nothing for
 * tracing when off; `environment` and `init` are reconstructed from the durations the
 * environment measured (attribute `lamina.span.derived`), not timed around code; every span
 * ends exactly once (`finished` or `failed`).
 */
import type { IncomingMessage } from 'node:http';

import {
  formatAmznTraceId,
  incomingTraceParent,
  type InvocationResult,
  LaminaError,
} from '@lamina/core';
import type { SpanHandle, Tracing } from '@lamina/service-kit';

/** What runAdmitted reports to the trace as the call proceeds. */
export interface InvokeSpans {
  /** The lease is held: `admission` ends, `invoke` starts. Returns Lambda-Runtime-Trace-Id. */
  admitted(): string;
}

export class InvokeTrace implements InvokeSpans {
  private readonly root: SpanHandle;
  private readonly admission: SpanHandle;
  private run: SpanHandle | undefined;
  private runStartMs = 0;

  constructor(
    private readonly tracing: Tracing,
    req: Pick<IncomingMessage, 'headers'>,
    attributes: { readonly functionName: string; readonly requestId: string; readonly arn: string },
  ) {
    const parent = incomingTraceParent((name) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    });
    this.root = tracing.startSpan('Invoke', {
      kind: 'server',
      parent,
      attributes: {
        'faas.invoked_name': attributes.functionName,
        'faas.invocation_id': attributes.requestId,
        'cloud.resource_id': attributes.arn,
        'faas.trigger': 'http',
      },
    });
    this.admission = tracing.startSpan('admission', { parent: this.root.position });
  }

  admitted(): string {
    this.admission.end();
    this.runStartMs = Date.now();
    this.run = this.tracing.startSpan('invoke', { kind: 'client', parent: this.root.position });
    const p = this.run.position;
    return p === undefined ? '' : formatAmznTraceId(p);
  }

  finished(result: InvocationResult): void {
    const run = this.run;
    if (run !== undefined) {
      const end = Date.now();
      const envEnd = Math.max(this.runStartMs, end - result.durationMs);
      if (envEnd > this.runStartMs || result.coldStart) {
        const env = this.tracing.startSpan('environment', {
          parent: run.position,
          startMs: this.runStartMs,
          attributes: { 'lamina.span.derived': 'call time less Duration' },
        });
        if (result.coldStart && result.initDurationMs !== undefined) {
          this.tracing
            .startSpan('init', {
              parent: env.position,
              startMs: Math.max(this.runStartMs, envEnd - result.initDurationMs),
              attributes: { 'lamina.span.derived': 'Init Duration' },
            })
            .end(envEnd);
        }
        env.end(envEnd);
      }
      run.setAttribute('faas.coldstart', result.coldStart);
      run.setAttribute('lamina.duration_ms', result.durationMs);
      if (result.functionError !== undefined) run.fail(result.errorType ?? result.functionError);
      run.end(end);
    }
    this.root.setAttribute('faas.coldstart', result.coldStart);
    this.root.setAttribute('lamina.executed_version', result.executedVersion);
    if (result.functionError !== undefined) {
      this.root.setAttribute('lamina.function_error', result.functionError);
    }
    this.root.end();
  }

  failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.run === undefined) {
      this.admission.fail(message);
      this.admission.end();
    } else {
      this.run.fail(message);
      this.run.end();
    }
    this.root.setAttribute('error.type', err instanceof LaminaError ? err.name : 'Error');
    this.root.fail(message);
    this.root.end();
  }
}
