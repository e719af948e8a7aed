import { readFileSync, watchFile } from 'node:fs';
import { Agent, type AgentOptions, type IncomingHttpHeaders, request } from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

/**
 * The keep-alive agent for calls to `url`: an https one for an https gateway (trusting the
 * system's roots plus `caFile`, e.g. local mode's self-signed certificate), else plain http.
 * `caFile` is followed: when it changes (the gateway's self-signed certificate rotated, ADR 0040)
 * new connections trust its new content; one that cannot be read keeps the previous trust.
 */
export function agentFor(url: string, options: AgentOptions, caFile?: string): Agent {
  if (!url.startsWith('https:')) return new Agent(options);
  const trust = (file: string): string[] => [...rootCertificates, readFileSync(file, 'utf8')];
  const agent = new TlsAgent({
    ...options,
    ...(caFile === undefined ? {} : { ca: trust(caFile) }),
  });
  if (caFile !== undefined) {
    watchFile(caFile, { interval: 1000, persistent: false }, () => {
      try {
        agent.options.ca = trust(caFile);
      } catch {
        // Half-replaced or gone: keep trusting what was read last.
      }
    });
  }
  return agent;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One POST over a keep-alive agent (agentFor's: https for an https URL); rejects on network errors and on the timeout. */
export function httpPost(
  agent: Agent,
  url: URL,
  headers: Readonly<Record<string, string | number>>,
  body: Buffer,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? tlsRequest : request;
    const req = send(
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
