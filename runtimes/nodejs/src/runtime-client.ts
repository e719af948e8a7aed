import http from 'node:http';

/** One event from `GET /runtime/invocation/next`. */
export interface NextInvocation {
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

const BASE = '/2018-06-01/runtime';
const NEXT_PATH = `${BASE}/invocation/next`;
const JSON_TYPE = 'application/json';

/**
 * A small client of the Lambda Runtime API over one keep-alive connection. Every call is
 * sequential (the runtime handles one invocation at a time), so one socket serves them all.
 */
export class RuntimeClient {
  private readonly host: string;
  private readonly port: number;
  private readonly agent: http.Agent;

  /** @param endpoint `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  constructor(endpoint: string) {
    const colon = endpoint.lastIndexOf(':');
    this.host = colon > 0 ? endpoint.slice(0, colon) : endpoint;
    this.port = colon > 0 ? Number(endpoint.slice(colon + 1)) : 80;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1, noDelay: true });
  }

  /** Long-polls for the next invocation; rejects when the Runtime API is gone. */
  next(): Promise<NextInvocation> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agent, host: this.host, port: this.port, path: NEXT_PATH, method: 'GET' },
        (res) => {
          readBody(res).then((body) => {
            if (res.statusCode !== 200) {
              reject(new Error(`Runtime API /next answered ${String(res.statusCode)}: ${body}`));
            } else {
              resolve({ body, headers: res.headers });
            }
          }, reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  postResponse(requestId: string, body: string): Promise<void> {
    return this.post(`${BASE}/invocation/${requestId}/response`, body, undefined);
  }

  postError(requestId: string, body: string, errorType: string): Promise<void> {
    return this.post(`${BASE}/invocation/${requestId}/error`, body, errorType);
  }

  postInitError(body: string, errorType: string): Promise<void> {
    return this.post(`${BASE}/init/error`, body, errorType);
  }

  private post(path: string, body: string, errorType: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': JSON_TYPE,
        'Content-Length': Buffer.byteLength(body),
      };
      if (errorType !== undefined) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
      const req = http.request(
        { agent: this.agent, host: this.host, port: this.port, path, method: 'POST', headers },
        (res) => {
          // The answer (202, or 400/413 with a reason) needs no action here: the platform has
          // already recorded the outcome. Drain it so the socket returns to the agent.
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      resolve(
        chunks.length === 1
          ? (chunks[0] ?? Buffer.alloc(0)).toString()
          : Buffer.concat(chunks).toString(),
      );
    });
    res.on('error', reject);
  });
}
