import type http from 'node:http';
import { reply } from './http-helpers.js';
import { ACCEPTED, INVALID_STATE } from './runtime-api-answers.js';

/**
 * Lamina's own addition to the Runtime API (not Lambda's), served only by the Runtime API server
 * of a generic environment (ADR 0019): a runtime started without a function parks
 * `GET /2018-06-01/runtime/lamina/specialization` until a cold call claims it; the answer is the
 * function's `Specialization`. Once the runtime has applied it (process.env replaced, cwd = task
 * root) it POSTs the same path, and from then on it is that function's environment: its normal
 * init follows and its first `/next` ends init. Each step happens once; anything else is 403.
 */
export const SPECIALIZATION_PATH = 'lamina/specialization';

/** What a generic runtime becomes: exactly what a freshly spawned runtime would be given. */
export interface Specialization {
  /** The complete environment, replacing the generic one (reference §6 variables + function's). */
  readonly environment: Readonly<Record<string, string>>;
  /** LAMBDA_TASK_ROOT, the new working directory. */
  readonly taskRoot: string;
  /** `_HANDLER`. */
  readonly handler: string;
}

export interface SpecializationEvents {
  /** The runtime parked its request: it is booted and ready to be specialised. */
  onWaiting(): void;
  /** The runtime confirmed it applied the specialization. */
  onApplied(): void;
}

type State = 'booting' | 'waiting' | 'answered' | 'applied';

/** The server side of the specialization request for one generic environment. */
export class SpecializationChannel {
  private readonly events: SpecializationEvents;
  private state: State = 'booting';
  private parked: http.ServerResponse | undefined;
  private answer: Buffer | undefined;

  constructor(events: SpecializationEvents) {
    this.events = events;
  }

  /** True once the runtime confirmed: its `/next` and `/init/error` are allowed from then on. */
  get applied(): boolean {
    return this.state === 'applied';
  }

  /**
   * Answers the parked request now, or the request when it arrives. False when the answer cannot
   * be delivered (already specialised, or the parked connection is gone).
   */
  specialize(spec: Specialization): boolean {
    if (this.answer !== undefined) return false;
    this.answer = Buffer.from(JSON.stringify(spec));
    if (this.parked === undefined) return true;
    return this.send();
  }

  route(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET' && this.state === 'booting') {
      this.state = 'waiting';
      this.parked = res;
      if (this.answer !== undefined) this.send();
      else this.events.onWaiting();
    } else if (req.method === 'POST' && this.state === 'answered') {
      req.resume();
      this.state = 'applied';
      reply(res, 202, ACCEPTED);
      this.events.onApplied();
    } else {
      req.resume();
      reply(res, 403, INVALID_STATE);
    }
  }

  private send(): boolean {
    const res = this.parked;
    const body = this.answer;
    if (res === undefined || body === undefined || res.destroyed) return false;
    this.parked = undefined;
    this.state = 'answered';
    reply(res, 200, body);
    return true;
  }
}
