/**
 * The worker agent's entry in a worker image (ADR 0014): loads the agent bundle (agent.mjs) with
 * V8's compile cache for it, made once when the image is built (worker.Dockerfile), so a pod's
 * agent does not compile its 1.3 MB bundle again on a fraction of a CPU while a cold call waits
 * (ADR 0019, "Cluster mode"). The cache is read-only at run time: Node.js reads it and cannot
 * write it, and a miss (another Node.js, another bundle) only compiles as before. In-process
 * only: the runtime processes the agent starts do not inherit it (no NODE_COMPILE_CACHE).
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

// The agent is PID 1 in its container, and the kernel ignores a signal PID 1 has no handler for:
// a pod deleted while its agent loads would wait its whole grace period. Until the agent installs
// its own handler (the first thing it does), a signal ends the process at once; nothing runs yet.
const whileLoading = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  process.stderr.write(`lamina-worker-agent: ${signal} while loading: exiting\n`);
  process.exit(0);
};
process.on('SIGTERM', whileLoading);
process.on('SIGINT', whileLoading);
enableCompileCache(fileURLToPath(new URL('compile-cache/', import.meta.url)));
await import('./agent.mjs');
