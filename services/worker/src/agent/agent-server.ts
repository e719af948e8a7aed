import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  AGENT_HEADERS,
  AGENT_INVOKE_PATH,
  AGENT_READY_PATH,
  AGENT_REFUSAL_STATUS,
  AGENT_SPECIALIZE_PATH,
  agentErrorResponse,
  LaminaError,
  LIMITS,
  logTail,
  parseInvocationRequest,
  RequestEntityTooLargeException,
  resultHeaders,
  type AgentErrorBody,
  type InvocationResult,
} from '@lamina/core';
import type { WorkerLogger } from '../types.js';
import { type AgentMetrics, countResult } from './agent-metrics.js';
import type { ServedAgent, SpecializeOutcome } from './generic-agent.js';
import type { Refusal, Slot } from './worker-agent.js';

export const AGENT_HEALTH_PATH = '/healthz';
export const AGENT_METRICS_PATH = '/metrics';
/** A specialise request is a version's configuration and variables: small. */
const MAX_SPECIALIZE_BYTES = 256 * 1024;
/** How long an idle keep-alive connection stays open. */
const IDLE_CONNECTION_MS = 10 * 60 * 1000;

export interface AgentServerDeps {
  readonly agent: ServedAgent;
  /** A generic pod's specialise call (ADR 0019); absent: the route answers 404. */
  readonly specialize?: (body: Buffer) => Promise<SpecializeOutcome>;
  readonly logger: WorkerLogger & { child(bindings: object): WorkerLogger };
  /** Largest request body; default Lambda's sync payload limit. */
  readonly maxBodyBytes?: number;
  /** Counted per invocation and served on `GET /metrics`; absent: no metrics (404). */
  readonly metrics?: AgentMetrics;
  /**
   * True once the agent stops (SIGTERM): from then on every answer to a gateway closes its
   * connection, so gateways leave the pod with no pooled connection to it (start-agent.ts).
   */
  readonly stopping?: () => boolean;
}

/** Error type of each refusal's body, for a caller that reads only the body. */
const REFUSAL_ERROR_TYPE = {
  busy: 'TooManyRequestsException',
  draining: 'ResourceNotReadyException',
  'wrong-target': 'ResourceNotReadyException',
} as const;

function sendJson(
  res: ServerResponse,
  status: number,
  body: AgentErrorBody,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(text.length),
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sendResult(res: ServerResponse, result: InvocationResult): void {
  // The caller keeps the last 4 KB only (X-Amz-Log-Result): cut here, so headers stay small.
  const log = result.log === undefined ? undefined : Buffer.from(logTail(result.log), 'base64');
  const headers = resultHeaders(
    log === undefined ? result : { ...result, log: log.toString('utf8') },
  );
  res.writeHead(200, { ...headers, 'content-length': String(result.payload.length) });
  res.end(result.payload);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new RequestEntityTooLargeException(`Request must be smaller than ${limit} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestEntityTooLargeException(`Request must be smaller than ${limit} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

const isRefusal = (claim: Slot | Refusal): claim is Refusal => 'refusal' in claim;

/**
 * The worker agent's HTTP server (not listening yet): `POST /v1/invoke` runs an invocation,
 * `GET /readyz` is 200 while it can take one (busy included) and 503 otherwise, `GET /healthz`
 * is 200 while the process lives, `GET /metrics` is the Prometheus text of `deps.metrics`.
 */
export function createAgentServer(deps: AgentServerDeps): Server {
  const { agent, logger, metrics } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? LIMITS.syncRequestMaxBytes;
  /** A stopping agent's answer is the last on its connection (see `stopping`). */
  const lastIfStopping = (res: ServerResponse): void => {
    if (deps.stopping?.() === true) res.setHeader('connection', 'close');
  };

  async function invoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed;
    try {
      // Headers first: a refusal must not wait for the body.
      parsed = parseInvocationRequest(req.headers, Buffer.alloc(0));
    } catch (err) {
      const { status, body } = agentErrorResponse(err);
      sendJson(res, status, body);
      return;
    }
    const log = logger.child({ requestId: parsed.invocation.requestId });
    const claim = agent.claim(parsed.target);
    if (isRefusal(claim)) {
      log.debug({ refusal: claim.refusal }, 'invocation refused');
      metrics?.refusals.inc({ refusal: claim.refusal });
      sendJson(
        res,
        AGENT_REFUSAL_STATUS[claim.refusal],
        { errorType: REFUSAL_ERROR_TYPE[claim.refusal], errorMessage: claim.message },
        {
          [AGENT_HEADERS.refusal]: claim.refusal,
          // A draining agent closes soon: the caller's pool must not keep this connection.
          ...(claim.refusal === 'draining' ? { connection: 'close' } : {}),
        },
      );
      return;
    }
    let payload: Buffer;
    try {
      payload = await readBody(req, maxBodyBytes);
    } catch (err) {
      claim.release();
      if (err instanceof LaminaError && !res.headersSent) {
        const { status, body } = agentErrorResponse(err);
        res.setHeader('connection', 'close');
        sendJson(res, status, body);
      }
      return;
    }
    try {
      const result = await claim.run({ ...parsed.invocation, payload });
      countResult(metrics, result);
      log.debug(
        {
          durationMs: result.durationMs,
          coldStart: result.coldStart,
          ...(result.errorType !== undefined ? { functionError: result.errorType } : {}),
        },
        'invocation done',
      );
      lastIfStopping(res);
      sendResult(res, result);
    } catch (err) {
      metrics?.invocations.inc({ outcome: 'platform_error' });
      const { status, body } = agentErrorResponse(err);
      (status >= 500 ? log.error.bind(log) : log.warn.bind(log))(
        { err, errorType: body.errorType },
        'invocation failed',
      );
      lastIfStopping(res);
      sendJson(res, status, body);
    }
  }

  async function specializeRoute(
    req: IncomingMessage,
    res: ServerResponse,
    specialize: (body: Buffer) => Promise<SpecializeOutcome>,
  ): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, MAX_SPECIALIZE_BYTES);
    } catch (err) {
      res.setHeader('connection', 'close');
      sendText(res, 413, err instanceof Error ? err.message : String(err));
      return;
    }
    const { status, answer } = await specialize(body);
    const text = Buffer.from(JSON.stringify(answer));
    lastIfStopping(res);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(text.length),
    });
    res.end(text);
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === AGENT_SPECIALIZE_PATH && deps.specialize !== undefined) {
      specializeRoute(req, res, deps.specialize).catch((err: unknown) => {
        logger.error({ err }, 'specialise handler failed');
        if (!res.headersSent) sendText(res, 500, 'specialisation failed');
        else res.destroy();
      });
    } else if (req.method === 'POST' && url === AGENT_INVOKE_PATH) {
      invoke(req, res).catch((err: unknown) => {
        logger.error({ err }, 'invoke handler failed');
        if (!res.headersSent) sendJson(res, 500, agentErrorResponse(err).body);
        else res.destroy();
      });
    } else if (req.method === 'GET' && url === AGENT_READY_PATH) {
      agent.readiness().then(
        (r) => {
          sendText(res, r.ready ? 200 : 503, r.reason);
        },
        (err: unknown) => {
          logger.error({ err }, 'readiness check failed');
          sendText(res, 503, 'readiness check failed');
        },
      );
    } else if (req.method === 'GET' && url === AGENT_HEALTH_PATH) {
      sendText(res, 200, 'ok');
    } else if (req.method === 'GET' && url === AGENT_METRICS_PATH && metrics !== undefined) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'metrics failed');
          sendText(res, 500, 'metrics failed');
        },
      );
    } else {
      sendText(res, 404, 'not found');
    }
  });
  // Callers keep one pooled connection per pod. Node's 5 s default would close idle ones often,
  // each close racing a call on the same socket (a reset the caller must not retry).
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  return server;
}
