/**
 * What every command gets: the process's streams, environment and working folder (injected, so
 * tests and docs generation run the program without a process), and per-run settings and API
 * clients resolved from the global flags. The Lambda client is the unmodified AWS SDK with the
 * endpoint and the key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (a signed gateway, issue #18),
 * else placeholder credentials (an open gateway does not check signatures).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Command } from 'commander';

import { call } from './api-error.js';
import { Output, type Stream } from './output.js';
import { type Env, type GlobalFlags, resolveSettings, type Settings } from './settings.js';

export interface CliIo {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Env;
  readonly cwd: string;
  /** The node binary, for local runtimes. */
  readonly execPath: string;
}

const PLACEHOLDER = { accessKeyId: 'lamina', secretAccessKey: 'lamina' };

/** The caller's key from the environment, else the placeholder. */
function credentialsOf(env: Env): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return accessKeyId !== undefined && accessKeyId !== '' && secretAccessKey !== undefined
    ? { accessKeyId, secretAccessKey }
    : PLACEHOLDER;
}

export class Run {
  readonly out: Output;
  private lambdaClient: LambdaClient | undefined;
  private schedulerClient: SchedulerClient | undefined;

  constructor(
    readonly io: CliIo,
    readonly settings: Settings,
  ) {
    this.out = Output.for(settings.output, io.stdout, io.stderr, (io.env['NO_COLOR'] ?? '') !== '');
  }

  get lambda(): LambdaClient {
    this.lambdaClient ??= new LambdaClient({
      endpoint: this.settings.endpoint,
      region: this.settings.region,
      credentials: credentialsOf(this.io.env),
      maxAttempts: 1,
    });
    return this.lambdaClient;
  }

  get scheduler(): SchedulerClient {
    this.schedulerClient ??= new SchedulerClient({
      endpoint: this.settings.endpoint,
      region: this.settings.region,
      credentials: credentialsOf(this.io.env),
      maxAttempts: 1,
    });
    return this.schedulerClient;
  }

  /** One API call; failures become CliErrors that name `doing` and the endpoint. */
  call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    return call(this.settings.endpoint, doing, fn);
  }

  close(): void {
    this.lambdaClient?.destroy();
    this.schedulerClient?.destroy();
  }
}

export class CliContext {
  constructor(readonly io: CliIo) {}

  /** The run of one command, from its own and the program's options. */
  run(command: Command): Run {
    const flags = command.optsWithGlobals<GlobalFlags>();
    return new Run(this.io, resolveSettings(flags, this.io.env));
  }
}

/** Runs a command body with a Run, closing its clients afterwards. */
export async function withRun(
  ctx: CliContext,
  command: Command,
  body: (run: Run) => Promise<void>,
): Promise<void> {
  const run = ctx.run(command);
  try {
    await body(run);
  } finally {
    run.close();
  }
}
