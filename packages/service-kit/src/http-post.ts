import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One POST over a keep-alive agent; rejects on network errors and on the timeout. */
export function httpPost(
  agent: Agent,
  url: URL,
  headers: Readonly<Record<string, string | number>>,
  body: Buffer,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': body.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
        res.once('error', reject);
      },
    );
    req.once('timeout', () => {
      req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`));
    });
    req.once('error', reject);
    req.end(body);
  });
}
