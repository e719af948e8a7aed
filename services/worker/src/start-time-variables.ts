/**
 * Which environment variables keep a function off a pre-warmed generic runtime (ADR 0019). A
 * runtime reads some variables only when its process starts — Node.js: NODE_OPTIONS, module
 * paths from NODE_PATH and HOME, libuv's thread pool size; Python: every PYTHON* variable
 * (module paths, I/O encoding and buffering, hash seed, warnings…); both: the locale from
 * LANG / LC_*, the dynamic loader's LD_*, OpenSSL's configuration, the exec wrapper. Replacing
 * the environment afterwards would not give the handler what a freshly spawned runtime gets. A
 * function whose environment sets one of them to a value other than the generic runtime's is
 * started fresh instead.
 */
const PREFIXES = ['LD_', 'LC_', 'OPENSSL_', 'SSL_', 'AWS_LAMBDA_EXEC_WRAPPER'];
const NAMES = new Set(['LANG', 'HOME']);
const RUNTIME_PREFIXES: Readonly<Record<'nodejs' | 'python', readonly string[]>> = {
  nodejs: ['NODE_', 'UV_'],
  python: ['PYTHON'],
};

/** The runtime family of a runtime id (`python3.13` → python); Node.js's rules otherwise. */
function familyOf(runtime: string | undefined): 'nodejs' | 'python' {
  return runtime?.startsWith('python') === true ? 'python' : 'nodejs';
}

/** True when the runtime (default Node.js) may read this variable only at process start. */
export function isStartTimeVariable(name: string, runtime?: string): boolean {
  const prefixes = [...PREFIXES, ...RUNTIME_PREFIXES[familyOf(runtime)]];
  return NAMES.has(name) || prefixes.some((p) => name.startsWith(p));
}

/** The first start-time variable whose value the function changes, or undefined when none. */
export function startTimeConflict(
  generic: Readonly<Record<string, string>>,
  fnEnvironment: Readonly<Record<string, string>>,
  runtime?: string,
): string | undefined {
  return Object.keys(fnEnvironment).find(
    (k) => isStartTimeVariable(k, runtime) && fnEnvironment[k] !== generic[k],
  );
}
