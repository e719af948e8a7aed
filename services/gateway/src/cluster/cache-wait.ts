/**
 * Read-your-writes over an informer cache: after a write, waits (polling the in-memory cache)
 * until the watch has delivered it, so the next synchronous read sees it. Gives up quietly
 * after `timeoutMs`; the watch delivers it later anyway.
 */
export async function waitForCache(
  seen: () => boolean,
  timeoutMs = 5_000,
  pollMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!seen()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}

/** Runs tasks with the same key one after another (one function's writes in this process). */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
