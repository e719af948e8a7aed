/**
 * One lock per key within this process: tasks with the same key run one after another, in call
 * order; tasks with different keys run concurrently. Used wherever one function's writes must
 * not interleave (the gateway's file stores and custom-resource stores).
 *
 * Invariants: pure (no I/O, no timers); a failing task does not stop the ones queued behind it
 * and its error reaches only its own caller; a key's entry is dropped once its queue is empty,
 * so the map holds only keys with work pending.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` once every earlier task of `key` has settled; resolves with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with a task running or queued. */
  get size(): number {
    return this.tails.size;
  }
}
