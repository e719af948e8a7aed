import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One runtime's echo function for bench/coldstart: its code (a .zip) and handler. */
export interface BenchFunction {
  readonly label: string;
  readonly runtime: string;
  readonly handler: string;
  readonly zip: Buffer;
  readonly memorySize: number;
}

const zipDir = (dir: string): Buffer =>
  execFileSync('zip', ['-qr', '-X', '-', '.'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });

function withTempDir<T>(fill: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-coldstart-'));
  try {
    return fill(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The conformance functions of test/runtimes/functions (called with `{"action":"echo"}`), one per
 * runtime this machine runs, plus the official Node.js client as a custom runtime when
 * runtimes/provided/setup-nodejs-ric.sh has installed it.
 */
export function benchFunctions(root: string, cache: string): BenchFunction[] {
  const fns = join(root, 'test/runtimes/functions');
  const out: BenchFunction[] = [
    {
      label: 'nodejs22.x',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      zip: zipDir(join(fns, 'nodejs')),
      memorySize: 128,
    },
    {
      label: 'python3.11 (awslambdaric)',
      runtime: 'python3.11',
      handler: 'app.handler',
      zip: zipDir(join(fns, 'python')),
      memorySize: 128,
    },
  ];
  const ricDir = join(cache, 'runtimes/java');
  const ric = existsSync(ricDir)
    ? readdirSync(ricDir).find((d) => d.startsWith('ric-'))
    : undefined;
  if (ric !== undefined) {
    const lib = join(ricDir, ric, 'lib');
    const core = readdirSync(lib).find((f) => f.startsWith('aws-lambda-java-core-'));
    if (core === undefined) throw new Error(`no aws-lambda-java-core jar in ${lib}`);
    const zip = withTempDir((dir) => {
      mkdirSync(join(dir, 'lib'));
      copyFileSync(join(lib, core), join(dir, 'lib', core));
      execFileSync('/usr/lib/jvm/java-17-openjdk-amd64/bin/javac', [
        '--release',
        '17',
        '-cp',
        join(lib, core),
        '-d',
        dir,
        join(fns, 'java/conformance/Handler.java'),
      ]);
      return zipDir(dir);
    });
    for (const runtime of ['java17', 'java25']) {
      out.push({
        label: `${runtime} (Java RIC)`,
        runtime,
        handler: 'conformance.Handler::handleRequest',
        zip,
        // Lambda's common size for Java functions; 128 MB also works.
        memorySize: 512,
      });
    }
  }
  out.push({
    label: 'provided.al2023 (shell + curl)',
    runtime: 'provided.al2023',
    handler: 'conformance.handler',
    zip: zipDir(join(fns, 'provided')),
    memorySize: 128,
  });
  const nodeRic = join(cache, 'runtimes/nodejs-ric/aws-lambda-ric-4.0.2');
  if (existsSync(join(nodeRic, '.complete'))) {
    const zip = withTempDir((dir) => {
      cpSync(nodeRic, join(dir, 'node_modules/aws-lambda-ric'), { recursive: true });
      copyFileSync(join(fns, 'nodejs/index.js'), join(dir, 'index.js'));
      const bootstrap = join(dir, 'bootstrap');
      writeFileSync(
        bootstrap,
        `#!/bin/sh\nexec '${process.execPath}' node_modules/aws-lambda-ric/index.mjs "$_HANDLER"\n`,
      );
      chmodSync(bootstrap, 0o755);
      return zipDir(dir);
    });
    out.push({
      label: 'provided.al2023 (official aws-lambda-ric)',
      runtime: 'provided.al2023',
      handler: 'index.handler',
      zip,
      memorySize: 128,
    });
  }
  return out;
}
