import { fork } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';

/**
 * The floor of Lambda's model (ADR 0049): a plain node:http server that hands each request to
 * one of its own child processes — one request at a time per child, as one invocation at a time
 * per execution environment — over a kept TCP connection, and answers with the child's reply.
 * No platform code: what a process per concurrent call costs on this machine by itself (a
 * wake-up of a child, two loopback writes, more processes sharing the caches).
 *
 *   node bench/dist/fanout-server.js <port> <children>      (a child: … --child <port>)
 */
const childAt = process.argv.indexOf('--child');
if (childAt > 0) {
  // A child: echoes each length-prefixed message back, like a function returning its event.
  const socket = connect({ port: Number(process.argv[childAt + 1]), host: '127.0.0.1' });
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => socket.write(chunk));
} else {
  const children = Number(process.argv[3] ?? 32);
  const idle: Socket[] = [];
  const waiting: [Buffer, ServerResponse][] = [];
  const answer = new Map<Socket, ServerResponse>();
  const send = (child: Socket, body: Buffer, res: ServerResponse): void => {
    answer.set(child, res);
    child.write(body);
  };
  const hub = createTcpServer((child) => {
    child.setNoDelay(true);
    child.on('data', (reply: Buffer) => {
      const res = answer.get(child);
      answer.delete(child);
      res?.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
      res?.end(reply);
      const next = waiting.shift();
      if (next === undefined) idle.push(child);
      else send(child, next[0], next[1]);
    });
    idle.push(child);
  });
  hub.listen(0, '127.0.0.1', () => {
    const addr = hub.address();
    const hubPort = typeof addr === 'object' && addr ? addr.port : 0;
    const url = new URL(import.meta.url).pathname;
    for (let i = 0; i < children; i++) fork(url, ['--child', String(hubPort)]);
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const child = idle.pop();
      if (child === undefined) waiting.push([body, res]);
      else send(child, body, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  const ready = setInterval(() => {
    if (idle.length < children) return;
    clearInterval(ready);
    server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
      const a = server.address();
      process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : ''}\n`);
    });
  }, 50);
  process.on('SIGTERM', () => {
    process.exit(0); // the children exit with their connection
  });
}
