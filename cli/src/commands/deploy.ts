/**
 * `lamina deploy PATH` (a folder or .zip → create or update one function, publish, alias) and
 * `lamina deploy --template template.yaml` (an AWS SAM template as a changeset: shown, then
 * applied; `--dry-run` only shows it; `--kubernetes [DIR]` writes custom resources instead).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import { type CliContext, type Run, withRun } from '../context.js';
import { deployFunction } from '../function-deployer.js';
import { applyChangeset } from '../sam/apply.js';
import { type Changeset, computeChangeset } from '../sam/changeset.js';
import { IntrinsicError } from '../sam/intrinsics.js';
import { kubernetesManifests } from '../sam/kubernetes.js';
import { planStack, type StackPlan } from '../sam/plan.js';
import { parseTemplate, TemplateError } from '../sam/template.js';
import { codeOf } from '../zip-folder.js';
import { guessRuntime } from './runtime-guess.js';

interface DeployFlags {
  template?: string;
  stackName?: string;
  parameterOverrides?: string[];
  kubernetes?: string | boolean;
  dryRun?: boolean;
  strict?: boolean;
  name?: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  env?: string[];
  publish?: boolean;
  alias?: string;
  waitTimeout: string;
  accountId: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function pairs(list: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list ?? []).flatMap((s) => s.split(/\s+(?=[^=\s]+=)/))) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`${what} takes KEY=VALUE, not ${item}`, EXIT.usage);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function intFlag(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new CliError(`${what} must be a positive whole number, not ${v}`, EXIT.usage);
  return n;
}

function printChangeset(run: Run, cs: Changeset): void {
  const rows = [
    ...cs.functions.map((c) => ({
      action: c.action,
      resource: c.planned.logicalId,
      name: c.planned.name,
      changes: c.fields.join(', '),
    })),
    ...cs.deletions.map((n) => ({
      action: 'delete',
      resource: 'left the template',
      name: n,
      changes: '',
    })),
  ];
  const paint = (a: string): string =>
    a === 'create'
      ? run.out.paint('green', a)
      : a === 'delete'
        ? run.out.paint('red', a)
        : a === 'update'
          ? run.out.paint('yellow', a)
          : a;
  run.out.note('Changeset:');
  for (const r of rows)
    run.out.note(
      `  ${paint(r.action.padEnd(9))} ${r.name} (${r.resource})${r.changes === '' ? '' : `: ${r.changes}`}`,
    );
  for (const u of cs.unsupported) run.out.warn(`unsupported, not applied: ${u}`);
  for (const i of cs.ignored) run.out.note(`  ignored: ${i}`);
}

function loadPlan(run: Run, opts: DeployFlags, cwd: string): StackPlan {
  const file = resolve(cwd, opts.template ?? 'template.yaml');
  if (!existsSync(file)) throw new CliError(`no template at ${file}`, EXIT.usage);
  try {
    const template = parseTemplate(readFileSync(file, 'utf8'), file);
    return planStack(template, {
      stack: opts.stackName ?? basename(dirname(file)),
      templateDir: dirname(file),
      overrides: pairs(opts.parameterOverrides, '--parameter-overrides'),
      region: run.settings.region,
      accountId: opts.accountId,
    });
  } catch (err) {
    if (err instanceof TemplateError || err instanceof IntrinsicError)
      throw new CliError(`${file}: ${err.message}`, EXIT.usage);
    throw err;
  }
}

async function deployTemplate(run: Run, opts: DeployFlags, cwd: string): Promise<void> {
  const plan = loadPlan(run, opts, cwd);
  if (opts.kubernetes !== undefined && opts.kubernetes !== false) {
    const dir = typeof opts.kubernetes === 'string' ? resolve(cwd, opts.kubernetes) : undefined;
    const k = kubernetesManifests(plan, dir ?? cwd);
    for (const u of [...plan.unsupported, ...k.notWritten]) run.out.warn(`not written: ${u}`);
    if (dir === undefined) {
      run.out.text(k.manifests.map((m) => m.text).join('---\n'));
    } else {
      mkdirSync(dir, { recursive: true });
      for (const m of k.manifests) writeFileSync(join(dir, m.file), m.text);
      run.out.done(`wrote ${k.manifests.length} manifest file(s) to ${dir}`);
    }
    return;
  }
  run.out.progress(`stack ${plan.stack}: computing the changeset`);
  const cs = await computeChangeset(run, plan);
  printChangeset(run, cs);
  if (opts.strict === true && cs.unsupported.length > 0) {
    throw new CliError(
      `${cs.unsupported.length} unsupported item(s) in the template; nothing applied (--strict)`,
      EXIT.unsupported,
    );
  }
  if (opts.dryRun === true) {
    if (run.out.format !== 'json') return;
    run.out.result(
      {
        Stack: plan.stack,
        Changes: cs.functions.map((c) => ({
          Action: c.action,
          LogicalId: c.planned.logicalId,
          FunctionName: c.planned.name,
          Fields: c.fields,
        })),
        Deletions: cs.deletions,
        Unsupported: cs.unsupported,
      },
      [],
      [],
    );
    return;
  }
  const result = await applyChangeset(run, cs, {
    waitTimeoutMs: Number(opts.waitTimeout) * 1000,
    region: run.settings.region,
    accountId: opts.accountId,
  });
  run.out.result(
    {
      Stack: plan.stack,
      Functions: result.functions.map((f) => ({
        FunctionName: f.name,
        Action: f.action,
        Changes: f.changes,
        Version: f.version,
        Alias: f.alias,
        State: f.state,
      })),
      Deleted: result.deleted,
      Unsupported: [...cs.unsupported, ...result.refused],
    },
    [
      ...result.functions.map((f) => ({
        function: f.name,
        action: f.action,
        version: f.version,
        alias: f.alias,
        state: f.state,
      })),
      ...result.deleted.map((n) => ({ function: n, action: 'deleted' })),
    ],
    ['function', 'action', 'version', 'alias', 'state'],
  );
}

async function deployPath(run: Run, path: string, opts: DeployFlags, cwd: string): Promise<void> {
  const full = resolve(cwd, path);
  if (!existsSync(full))
    throw new CliError(`nothing to deploy at ${full} (give a folder or a .zip)`, EXIT.usage);
  const name = opts.name ?? basename(full).replace(/\.zip$/, '');
  const guess = guessRuntime(full);
  const runtime = opts.runtime ?? guess?.runtime;
  const handler = opts.handler ?? guess?.handler;
  if (runtime === undefined || handler === undefined) {
    throw new CliError(
      `cannot tell the runtime and handler of ${full}; give --runtime and --handler (e.g. --runtime nodejs22.x --handler index.handler)`,
      EXIT.usage,
    );
  }
  const env = pairs(opts.env, '--env');
  const memorySize = intFlag(opts.memory, '--memory');
  const timeout = intFlag(opts.timeout, '--timeout');
  const outcome = await deployFunction(
    run,
    {
      name,
      runtime,
      handler,
      zip: codeOf(full),
      ...(memorySize === undefined ? {} : { memorySize }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(Object.keys(env).length === 0 ? {} : { environment: env }),
    },
    {
      publish: opts.publish === true,
      ...(opts.alias === undefined ? {} : { alias: opts.alias }),
      waitTimeoutMs: Number(opts.waitTimeout) * 1000,
    },
  );
  run.out.done(
    `${name}: ${outcome.action}${outcome.changes.length > 0 && outcome.action === 'updated' ? ` (${outcome.changes.join(', ')})` : ''}`,
  );
  run.out.record({
    FunctionName: outcome.name,
    Action: outcome.action,
    Changes: outcome.changes,
    Version: outcome.version,
    Alias: outcome.alias,
    State: outcome.state,
  });
}

export function registerDeployCommand(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .description(
      'Deploy a function from a folder or .zip, or a whole AWS SAM template (--template).',
    )
    .argument('[path]', 'folder or .zip with the function code (without --template)')
    .option(
      '-t, --template <file>',
      'deploy an AWS SAM template (Transform AWS::Serverless-2016-10-31)',
    )
    .option(
      '--stack-name <name>',
      'the stack the template deploys as (default: the template folder name)',
    )
    .option('--parameter-overrides <KEY=VALUE...>', 'template parameter values', collect)
    .option('--dry-run', 'show the changeset and change nothing')
    .option('--strict', 'apply nothing when the template has unsupported content (exit 6)')
    .option(
      '-k, --kubernetes [dir]',
      'write Function/EventSourceMapping/Schedule manifests (to DIR, else stdout) instead of deploying',
    )
    .option('-n, --name <name>', 'function name (default: the folder or zip name)')
    .option('-r, --runtime <id>', 'runtime, e.g. nodejs22.x or python3.11 (guessed from the files)')
    .option('-H, --handler <handler>', 'handler, e.g. index.handler (guessed from the files)')
    .option('-m, --memory <mb>', 'memory in MB (default 128)')
    .option('--timeout <seconds>', 'timeout in seconds (default 3)')
    .option('--env <KEY=VALUE>', 'an environment variable (repeatable)', collect)
    .option('--publish', 'publish a version after the change')
    .option('--alias <name>', 'publish a version and point this alias at it')
    .option('--wait-timeout <seconds>', 'how long to wait for Active', '120')
    .option('--account-id <id>', 'account id in ARNs of templates', '000000000000')
    .addHelpText(
      'after',
      `
Template deploys tag every function they create with lamina:template=<stack>; a function with
that tag that is no longer in the template is deleted. Unsupported resource types, properties and
events are listed by name and not applied (with --strict nothing is applied).`,
    )
    .action((path: string | undefined, opts: DeployFlags, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        if (opts.template !== undefined || opts.kubernetes !== undefined) {
          if (path !== undefined)
            throw new CliError('give a PATH or --template, not both', EXIT.usage);
          await deployTemplate(run, opts, ctx.io.cwd);
          return;
        }
        if (path === undefined)
          throw new CliError('deploy needs a PATH (folder or .zip) or --template FILE', EXIT.usage);
        await deployPath(run, path, opts, ctx.io.cwd);
      }),
    );
}
