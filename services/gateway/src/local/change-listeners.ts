/**
 * The change listeners of a file store (`onChange` of FunctionStore and VersionStore): add,
 * remove, and tell each of them about changed function names.
 *
 * Invariant: a listener that throws is logged and never keeps the others (or the store's rescan)
 * from running.
 */
import type { StoreLogger } from './store-logger.js';

export class ChangeListeners {
  private readonly listeners = new Set<(functionName: string) => void>();

  constructor(
    private readonly logger: StoreLogger,
    /** For the log line: "function" or "version". */
    private readonly what: string,
  ) {}

  /** Adds a listener; returns its removal. */
  add(listener: (functionName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(functionNames: Iterable<string>): void {
    for (const name of functionNames) {
      for (const listener of this.listeners) {
        try {
          listener(name);
        } catch (err) {
          this.logger.error({ err, function: name }, `${this.what} change listener failed`);
        }
      }
    }
  }
}
