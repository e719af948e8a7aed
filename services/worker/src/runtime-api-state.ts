import type http from 'node:http';
import type { Invocation } from '@lamina/core';

import { reply } from './http-helpers.js';
import { ACCEPTED, EMPTY, INVALID_ID, INVALID_STATE } from './runtime-api-answers.js';
import * as modes from './response-mode.js';
import { answerHead, UpgradedConnection } from './runtime-api-upgrade.js';

/** How the runtime answered one invocation. */
export type RuntimeOutcome =
  | {
      readonly kind: 'response';
      readonly payload: Buffer;
      readonly contentType: string | undefined;
    }
  | { readonly kind: 'error'; readonly payload: Buffer; readonly errorType: string | undefined }
  /** The response exceeded the limit; `size` is its length in bytes. */
  | { readonly kind: 'too-large'; readonly size: number };

export type OutcomeCallback = (outcome: RuntimeOutcome) => void;

/** What the server tells its environment outside of an invocation. */
export interface RuntimeApiEvents {
  /** The runtime called `/next` for the first time: init is over. */
  onInitDone(): void;
  /** The runtime POSTed `/init/error` (it exits next). */
  onInitError(errorType: string | undefined, body: Buffer): void;
}

export interface Slot {
  readonly invocation: Invocation;
  readonly deadlineMs: number;
  readonly traceId: string;
  readonly onSent: () => void;
  readonly done: OutcomeCallback;
}

/** Where an answer goes: a node:http response, or an upgraded connection (ADR 0042). */
export type Target = http.ServerResponse | UpgradedConnection;

function answerTo(target: Target, status: number, body: Buffer): void {
  if (target instanceof UpgradedConnection) target.reply(status, body);
  else reply(target, status, body);
}

/** An invocation's headers for the runtime, as name, value pairs (Content-Length aside). */
function invocationHeaders(slot: Slot): string[] {
  const inv = slot.invocation;
  const headers: string[] = [
    'Content-Type',
    'application/json',
    'Lambda-Runtime-Aws-Request-Id',
    inv.requestId,
    'Lambda-Runtime-Deadline-Ms',
    String(slot.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn',
    inv.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id',
    slot.traceId,
  ];
  if (inv.clientContext !== undefined && inv.clientContext !== '') {
    headers.push('Lambda-Runtime-Client-Context', inv.clientContext);
  }
  if (inv.cognitoIdentity !== undefined && inv.cognitoIdentity !== '') {
    headers.push('Lambda-Runtime-Cognito-Identity', inv.cognitoIdentity);
  }
  return headers;
}

/**
 * The Runtime API's invocation state for one environment, whichever transport a request came by
 * (node:http or an upgraded connection): the init state, the runtime's parked `/next`, the
 * invocation dispatched but not yet fetched, the one awaiting its answer, and an epoch that
 * `cancel` bumps so answers still arriving no longer count.
 */
export class InvocationState {
  private initState: 'initializing' | 'initialized' | 'failed' = 'initializing';
  /** The runtime's long-polling `/next`, waiting for work. */
  private parked: Target | undefined;
  /** Dispatched but not yet sent to the runtime. */
  private pending: Slot | undefined;
  /** Sent to the runtime, waiting for its answer. */
  private current: Slot | undefined;
  private epochValue = 0;

  constructor(private readonly events: RuntimeApiEvents) {}

  /** Bumped by cancel(). */
  get epoch(): number {
    return this.epochValue;
  }

  /** True while a dispatched invocation waits for the runtime to fetch it. */
  get waitingForRuntime(): boolean {
    return this.pending !== undefined;
  }

  dispatch(slot: Slot): void {
    if (this.pending !== undefined || this.current !== undefined) {
      throw new Error('RuntimeApiServer: an invocation is already in flight');
    }
    this.pending = slot;
    if (this.parked !== undefined) this.send();
  }

  /** Forgets the invocation in flight (timed out, runtime gone); a late answer gets 400. */
  cancel(): void {
    this.pending = undefined;
    this.current = undefined;
    this.epochValue++;
  }

  /** Forgets the parked `/next` too (the server closes). */
  clear(): void {
    this.cancel();
    this.parked = undefined;
  }

  private send(): void {
    const res = this.parked;
    const slot = this.pending;
    if (res === undefined || slot === undefined) return;
    this.parked = undefined;
    // The runtime's connection broke while it waited: keep the invocation for its next /next.
    if (res.destroyed) return;
    this.pending = undefined;
    this.current = slot;
    const payload = slot.invocation.payload;
    const headers = invocationHeaders(slot);
    if (res instanceof UpgradedConnection) {
      res.deliver(answerHead(200, payload.length, headers), payload);
    } else {
      headers.push('Content-Length', String(payload.length));
      res.writeHead(200, headers);
      res.end(payload);
    }
    // START once the event is on its way (the runtime works on it meanwhile); its output is read
    // in a later turn, so it still follows START.
    slot.onSent();
  }

  next(res: Target): void {
    // A second concurrent /next, or /next while an invocation awaits its answer, breaks the
    // one-invocation-at-a-time protocol; after /init/error the runtime must exit.
    const parkedAlive = this.parked !== undefined && !this.parked.destroyed;
    if (this.initState === 'failed' || this.current !== undefined || parkedAlive) {
      answerTo(res, 403, INVALID_STATE);
      return;
    }
    this.parked = res;
    // An upgraded connection's queued answers (the 202 of the /response before this /next)
    // leave with the invocation.
    if (res instanceof UpgradedConnection) res.hold = true;
    if (this.initState === 'initializing') {
      this.initState = 'initialized';
      this.events.onInitDone();
    }
    if (this.pending !== undefined) this.send();
  }

  /**
   * The invocation a `/response` or `/error` answers, now answered: undefined (and the runtime
   * told why) when the id is not the one in flight or the response mode is unknown.
   */
  claim(
    res: Target,
    requestId: string,
    mode: string | undefined,
    isError: boolean,
  ): Slot | undefined {
    const slot = this.current;
    if (slot?.invocation.requestId !== requestId) {
      answerTo(res, 400, INVALID_ID);
      return undefined;
    }
    // Answered from now on: a /next pipelined behind this request may be routed before its body
    // has ended.
    this.current = undefined;
    if (!isError && mode !== undefined && mode !== 'streaming') {
      answerTo(res, 400, modes.INVALID_MODE);
      slot.done(modes.INVALID_MODE_OUTCOME);
      return undefined;
    }
    return slot;
  }

  /** False (and 403 answered) unless the runtime is still initializing. */
  startInitError(res: Target): boolean {
    if (this.initState !== 'initializing') {
      answerTo(res, 403, INVALID_STATE);
      return false;
    }
    this.initState = 'failed';
    return true;
  }

  reportInitError(res: Target, errorType: string | undefined, body: Buffer | undefined) {
    if (body !== undefined) answerTo(res, 202, ACCEPTED);
    this.events.onInitError(errorType, body ?? EMPTY);
  }
}
