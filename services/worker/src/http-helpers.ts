import type http from 'node:http';

/** Small node:http helpers for the Runtime API server (no framework on the hot path). */

export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function reply(res: http.ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(body.length),
  ]);
  res.end(body);
}

/**
 * Reads a request body up to `limit` bytes; over it, `body` is undefined and `size` the total.
 * `aborted` is called instead when the connection closes before the body ends.
 */
export function readBody(
  req: http.IncomingMessage,
  limit: number,
  done: (body: Buffer | undefined, size: number) => void,
  aborted: () => void,
): void {
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > limit) {
    // Known to be too large: answer now, let the server discard the rest.
    done(undefined, declared);
    return;
  }
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) chunks = undefined;
    else chunks?.push(chunk);
  });
  let ended = false;
  req.on('close', () => {
    if (!ended) aborted();
  });
  req.on('end', () => {
    ended = true;
    const first = chunks?.[0];
    if (chunks === undefined) done(undefined, size);
    else
      done(chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks, size), size);
  });
}
