/** `lamina invoke <function> [--payload JSON] [--qualifier Q] [--tail]` against a gateway. */
export interface InvokeOptions {
  readonly endpoint: string;
  readonly functionName: string;
  readonly payload: string;
  readonly qualifier?: string;
  readonly tail: boolean;
}

export interface InvokeOutcome {
  readonly status: number;
  readonly body: string;
  readonly functionError?: string;
  readonly log?: string;
  readonly executedVersion?: string;
}

export async function invokeFunction(o: InvokeOptions): Promise<InvokeOutcome> {
  const url = new URL(
    `/2015-03-31/functions/${encodeURIComponent(o.functionName)}/invocations`,
    o.endpoint,
  );
  if (o.qualifier !== undefined) url.searchParams.set('Qualifier', o.qualifier);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-invocation-type': 'RequestResponse',
      'x-amz-log-type': o.tail ? 'Tail' : 'None',
    },
    body: o.payload,
  });
  const log = res.headers.get('x-amz-log-result');
  const functionError = res.headers.get('x-amz-function-error');
  const executedVersion = res.headers.get('x-amz-executed-version');
  return {
    status: res.status,
    body: await res.text(),
    ...(functionError === null ? {} : { functionError }),
    ...(log === null ? {} : { log: Buffer.from(log, 'base64').toString('utf8') }),
    ...(executedVersion === null ? {} : { executedVersion }),
  };
}
