/**
 * Which environment variables keep a function off a pre-warmed generic Node.js runtime
 * (ADR 0019). Node.js reads some variables only when the process starts (NODE_OPTIONS, the ICU
 * locale from LANG / LC_*, module paths from NODE_PATH and HOME, libuv's thread pool size, the
 * dynamic loader's LD_*, OpenSSL's configuration); replacing process.env afterwards would not
 * give the handler what a freshly spawned runtime gets. A function whose environment sets one
 * of them to a value other than the generic runtime's is started fresh instead.
 */
const PREFIXES = ['NODE_', 'UV_', 'LD_', 'LC_', 'OPENSSL_', 'SSL_', 'AWS_LAMBDA_EXEC_WRAPPER'];
const NAMES = new Set(['LANG', 'HOME']);

/** True when Node.js may read this variable only at process start. */
export function isStartTimeVariable(name: string): boolean {
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p));
}

/** The first start-time variable whose value the function changes, or undefined when none. */
export function startTimeConflict(
  generic: Readonly<Record<string, string>>,
  fnEnvironment: Readonly<Record<string, string>>,
): string | undefined {
  return Object.keys(fnEnvironment).find(
    (k) => isStartTimeVariable(k) && fnEnvironment[k] !== generic[k],
  );
}
