/**
 * The agent of a pre-warmed generic worker pod (issue #15 item 3, ADR 0019): started for one
 * runtime without a function, ready as `generic`, it takes exactly one specialise request in its
 * life — fetches that version's code by SHA-256 (checked) with the request's per-code token, then
 * serves that version like any worker pod (its first call is a cold start that reports `Init
 * Duration`). A specialised pod with no call for `idleMs` refuses calls and turns unready for
 * good; the gateway deletes such pods (nothing else owns them once relabelled).
 *
 * Invariants: the claim is synchronous, so of two concurrent specialise requests exactly one
 * wins and the other gets `claimed`; a request whose code cannot be fetched leaves the pod
 * generic again (nothing of that function stays in use); before specialisation every invoke is
 * refused (`wrong-target`), so a generic pod never runs a call.
 */
import {
  type AgentTarget,
  parseSpecializationRequest,
  SPECIALIZATION_REFUSAL_STATUS,
  type SpecializationAnswer,
  type SpecializationRequest,
} from '@lamina/core';

import type { WorkerLogger } from '../types.js';
import type { Readiness, Refusal, Slot, WorkerAgent } from './worker-agent.js';

/** What the agent's HTTP server asks of whichever agent it serves. */
export type ServedAgent = Pick<WorkerAgent, 'claim' | 'readiness'>;

export interface GenericAgentOptions {
  /** The runtime this pod was started for; a request for another is refused. */
  readonly runtime: string;
  /** Puts the request's code in place (checked against its hash); resolves to its folder. */
  readonly fetchCode: (request: SpecializationRequest) => Promise<string>;
  /** Builds the agent that serves the version from now on (its code already in `codeDir`). */
  readonly become: (request: SpecializationRequest, codeDir: string) => WorkerAgent;
  /** A specialised pod idle this long expires. */
  readonly idleMs: number;
  readonly logger: WorkerLogger;
  /**
   * The runtime booted ahead of the function (ADR 0019), if the image has a parked bootstrap:
   * the pod turns ready once it is settled (parked or given up); closing stops it if untaken.
   */
  readonly parked?: { readonly settled: boolean; stop(): Promise<void> };
  /** The rehearsal of the specialise path (code-fetch-rehearsal.ts): ready once it settled. */
  readonly rehearsal?: { readonly settled: boolean };
}

type State =
  | { readonly kind: 'generic' | 'specializing' | 'expired' }
  | { readonly kind: 'specialized'; readonly agent: WorkerAgent; readonly target: AgentTarget };

/** The status and body of the answer to a specialise request. */
export interface SpecializeOutcome {
  readonly status: number;
  readonly answer: SpecializationAnswer;
}

/** See the file comment. */
export class GenericAgent implements ServedAgent {
  private readonly o: GenericAgentOptions;
  private state: State = { kind: 'generic' };
  private draining = false;
  private running = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: GenericAgentOptions) {
    this.o = options;
  }

  /** The version this pod serves, once specialised. */
  get target(): AgentTarget | undefined {
    return this.state.kind === 'specialized' ? this.state.target : undefined;
  }

  async specialize(body: Buffer): Promise<SpecializeOutcome> {
    const parsed = parseSpecializationRequest(body);
    if (!parsed.ok) return { status: 400, answer: { ok: false, message: parsed.reason } };
    const { request } = parsed;
    if (this.state.kind !== 'generic' || this.draining) {
      return refuse('claimed', 'This worker has been claimed already.');
    }
    if (request.runtime !== this.o.runtime) {
      return refuse('wrong-runtime', `This worker runs ${this.o.runtime}, not ${request.runtime}.`);
    }
    this.state = { kind: 'specializing' };
    const started = performance.now();
    let codeDir: string;
    try {
      codeDir = await this.o.fetchCode(request);
    } catch (err) {
      // Nothing of the function is in use: the pod is generic again, for the next claim.
      this.state = { kind: 'generic' };
      const message = err instanceof Error ? err.message : String(err);
      this.o.logger.error(
        { function: request.functionName, reason: message },
        'specialisation failed',
      );
      return { status: 502, answer: { ok: false, message } };
    }
    const target = { functionName: request.functionName, version: request.version };
    this.state = { kind: 'specialized', agent: this.o.become(request, codeDir), target };
    this.armIdleTimer();
    this.o.logger.info(
      { ...target, fetchMs: Math.round(performance.now() - started) },
      'specialised: serving this version from now on',
    );
    return { status: 200, answer: { ok: true } };
  }

  claim(target: AgentTarget): Slot | Refusal {
    switch (this.state.kind) {
      case 'generic':
      case 'specializing':
        return {
          refusal: 'wrong-target',
          message: `This worker is a generic ${this.o.runtime} environment, not ${target.functionName}:${target.version}.`,
        };
      case 'expired':
        return { refusal: 'draining', message: 'This worker expired after being idle.' };
      case 'specialized':
        break;
    }
    const claim = this.state.agent.claim(target);
    if ('refusal' in claim) return claim;
    this.running++;
    clearTimeout(this.idleTimer);
    let done = false;
    const end = (): void => {
      if (done) return;
      done = true;
      this.running--;
      this.armIdleTimer();
    };
    return {
      run: (invocation) => claim.run(invocation).finally(end),
      release: () => {
        claim.release();
        end();
      },
    };
  }

  async readiness(): Promise<Readiness> {
    if (this.draining) return { ready: false, reason: 'draining' };
    switch (this.state.kind) {
      case 'generic':
        if (this.o.parked?.settled === false) {
          return { ready: false, reason: `starting the generic ${this.o.runtime} runtime` };
        }
        if (this.o.rehearsal?.settled === false) {
          return { ready: false, reason: 'rehearsing the specialisation' };
        }
        return { ready: true, reason: `generic ${this.o.runtime} environment` };
      case 'specializing':
        return { ready: true, reason: 'specialising' };
      case 'expired':
        return { ready: false, reason: 'expired after being idle; waiting to be removed' };
      case 'specialized':
        return this.state.agent.readiness();
    }
  }

  /** SIGTERM: refuse new work (and any specialisation); resolves when the running call ended. */
  async drain(): Promise<void> {
    this.draining = true;
    clearTimeout(this.idleTimer);
    if (this.state.kind === 'specialized') await this.state.agent.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.o.parked?.stop();
    if (this.state.kind === 'specialized') await this.state.agent.close();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.running > 0 || this.draining || this.state.kind !== 'specialized') return;
    const { agent, target } = this.state;
    this.idleTimer = setTimeout(() => {
      if (this.running > 0 || this.state.kind !== 'specialized') return;
      this.state = { kind: 'expired' };
      this.o.logger.info({ ...target, idleMs: this.o.idleMs }, 'specialised worker idle: expiring');
      agent.close().catch((err: unknown) => {
        this.o.logger.error({ err }, 'closing the expired environment failed');
      });
    }, this.o.idleMs);
    this.idleTimer.unref();
  }
}

function refuse(refusal: 'claimed' | 'wrong-runtime', message: string): SpecializeOutcome {
  return {
    status: SPECIALIZATION_REFUSAL_STATUS[refusal],
    answer: { ok: false, refusal, message },
  };
}
