/**
 * SIGTERM and SIGINT handled from a service's first line (issue #15). In a container the service
 * is PID 1, and the kernel drops a signal PID 1 has no handler for: a pod deleted while its
 * process was still starting (connecting to Redis or Kafka, listing the API server) would wait
 * its whole termination grace period before the kubelet kills it. So the handlers go in before
 * anything else runs:
 * - while starting, a signal exits at once (0): nothing has been served yet, and what a service
 *   may have taken meanwhile is redelivered (a BullMQ job's lock lapses, a Kafka offset was not
 *   committed);
 * - once `started(stop)` was called, the first signal calls `stop` (drain, then the caller exits);
 *   a later SIGINT exits at once (130: someone at a terminal insists), a later SIGTERM is noted and
 *   ignored: a platform may send it again (a kubelet or container runtime restarted during a
 *   pod's stop retries it from the start; some runtimes send two) and its deadline is SIGKILL at
 *   the end of the grace period, so exiting early would only cut the drain (a worker's running
 *   call, CI's cluster-burst).
 *
 * Invariants: the handlers are installed once per call, synchronously; `stop` runs at most once.
 */

/** The part of `process` this needs (faked in tests). */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface EarlySignals {
  /** From now on the first signal calls `stop`; a later SIGINT exits 130, a SIGTERM is ignored. */
  started(stop: (signal: NodeJS.Signals) => void): void;
}

export interface EarlySignalsOptions {
  /** Names the process in the line written when a signal ends its start. */
  readonly name: string;
  readonly target?: SignalTarget;
  readonly exit?: (code: number) => void;
  readonly write?: (line: string) => void;
}

/** Installs the SIGTERM and SIGINT handlers now; see the file comment. */
export function handleSignalsEarly(o: EarlySignalsOptions): EarlySignals {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const write = o.write ?? ((line: string) => void process.stderr.write(line));
  let stop: ((signal: NodeJS.Signals) => void) | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop === undefined) {
      write(`${o.name}: ${signal} while starting: exiting\n`);
      exit(0);
      return;
    }
    if (++signals > 1) {
      if (signal === 'SIGTERM') {
        write(`${o.name}: SIGTERM again: still draining (SIGINT exits at once)\n`);
        return;
      }
      write(`${o.name}: second signal (${signal}): exiting now\n`);
      exit(130);
      return;
    }
    stop(signal);
  };
  const target = o.target ?? process;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) target.on(signal, onSignal);
  return {
    started: (s) => {
      stop = s;
    },
  };
}
