/**
 * Stops components in reverse start order, once. `stop()` is idempotent: every caller gets the
 * same promise. A component that fails to stop does not keep the others running.
 */
export interface Stoppable {
  readonly name: string;
  stop(): Promise<void> | void;
}

export class Lifecycle {
  private readonly components: Stoppable[] = [];
  private stopping: Promise<Error[]> | undefined;

  /** Registers a started component; returns it for chaining. */
  add<T extends Stoppable>(component: T): T {
    if (this.stopping) throw new Error(`cannot add ${component.name}: shutting down`);
    this.components.push(component);
    return component;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops everything in reverse order; resolves with the errors met on the way. */
  stop(): Promise<Error[]> {
    this.stopping ??= (async () => {
      const errors: Error[] = [];
      for (const c of [...this.components].reverse()) {
        try {
          await c.stop();
        } catch (err) {
          errors.push(new Error(`stopping ${c.name} failed`, { cause: err }));
        }
      }
      return errors;
    })();
    return this.stopping;
  }
}
