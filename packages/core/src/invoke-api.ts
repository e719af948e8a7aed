/**
 * The gateway's sync Invoke API as a call (ADR 0055): what a service beside the gateway (the
 * dispatcher) needs of it, whichever way it reaches it — over HTTP (service-kit's GatewayClient,
 * cluster mode and a standalone dispatcher) or in the same process (the gateway's own entry,
 * wired by the composition root `lamina dev`). Services never import the gateway: they take this
 * interface, and the composition root hands them the gateway's implementation. Pure, no I/O.
 *
 * Invariants: `invoke` never throws and answers exactly what the HTTP API would — the status
 * (200, or the error's: 429 throttled, 404 not found, 409 not Active …; 0 when the invoke path
 * did not answer at all), X-Amz-Function-Error, X-Amz-Executed-Version and the body as text (the
 * function's result, or Lambda's error body `{Type, message}`); `requestId` is adopted as the
 * call's request id; `headers` are the request headers an HTTP caller would send (lower-case
 * names: the run-record request, traceparent), read the same way.
 */

/** One sync invoke's answer, unclassified (service-kit's invokeKindOf classifies it). */
export interface InvokeApiAnswer {
  /** The HTTP status; 0 when the invoke path did not answer. */
  readonly statusCode: number;
  readonly functionError?: string;
  readonly executedVersion?: string;
  /** The response body as text (the function's result or the error body). */
  readonly body: string;
}

/** Runs one payload synchronously (RequestResponse) on a function; never throws. */
export interface InvokeApi {
  invoke(
    functionRef: string,
    payload: Buffer,
    requestId: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<InvokeApiAnswer>;
}
