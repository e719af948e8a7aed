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
