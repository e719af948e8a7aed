/**
 * Where a runtime looks for what layers bring, given the folder that plays `/opt` (the real
 * `/opt` in a worker pod, a merged folder in local mode): the variables Lambda's runtimes set so
 * a handler finds layer code without knowing where it lives.
 *
 * - every runtime: `<opt>/bin` at the end of PATH, `<opt>/lib` at the end of LD_LIBRARY_PATH;
 * - Node.js: NODE_PATH `<opt>/nodejs/nodeNN/node_modules:<opt>/nodejs/node_modules` (CommonJS
 *   `require`; ES module imports do not read NODE_PATH, on AWS either);
 * - Python: PYTHONPATH `<opt>/python/lib/pythonX.Y/site-packages:<opt>/python`;
 * - Java: CLASSPATH `<opt>/java/lib/*`, which the bootstraps add to their `-cp`.
 *
 * Invariants: pure; paths the host already set are kept, the layers' come after them (as on AWS
 * `/opt/bin` ends PATH); the function's own variables are applied after this and win.
 */
import { RUNTIMES } from '@lamina/core';

type Env = Readonly<Record<string, string | undefined>>;

const append = (current: string | undefined, extra: string): string =>
  current === undefined || current === '' ? extra : `${current}:${extra}`;

const prepend = (extra: string, current: string | undefined): string =>
  current === undefined || current === '' ? extra : `${extra}:${current}`;

/** The variables to add for layers in `optDir`, given the environment built so far. */
export function optSearchPaths(runtime: string, optDir: string, env: Env): Record<string, string> {
  const out: Record<string, string> = {
    PATH: append(env['PATH'], `${optDir}/bin`),
    LD_LIBRARY_PATH: append(env['LD_LIBRARY_PATH'], `${optDir}/lib`),
  };
  const info = RUNTIMES.find((r) => r.id === runtime);
  switch (info?.family) {
    case 'nodejs':
      out['NODE_PATH'] = prepend(
        `${optDir}/nodejs/node${info.version}/node_modules:${optDir}/nodejs/node_modules`,
        env['NODE_PATH'],
      );
      break;
    case 'python':
      out['PYTHONPATH'] = prepend(
        `${optDir}/python/lib/python${info.version}/site-packages:${optDir}/python`,
        env['PYTHONPATH'],
      );
      break;
    case 'java':
      out['CLASSPATH'] = prepend(`${optDir}/java/lib/*`, env['CLASSPATH']);
      break;
    case 'provided':
    case undefined:
      break;
  }
  return out;
}
