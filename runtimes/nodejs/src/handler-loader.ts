import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RuntimeInitError, wrapCause } from './errors.js';

/** A user handler: `(event, context)` returning a promise, or `(event, context, callback)`. */
export type Handler = (event: unknown, context: object, callback: unknown) => unknown;

interface HandlerName {
  /** Directory part of the handler, relative to the task root (may be empty). */
  readonly dir: string;
  readonly module: string;
  /** `handler`, or `a.b` for a nested export. */
  readonly exportPath: readonly string[];
}

/** Splits `[dir/]file.export[.nested]` the way Lambda's Node.js runtime does. */
export function parseHandlerName(full: string): HandlerName {
  if (full.includes('..')) {
    throw new RuntimeInitError(
      'Runtime.MalformedHandlerName',
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = full.lastIndexOf('/');
  const base = full.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new RuntimeInitError('Runtime.MalformedHandlerName', 'Bad handler');
  }
  return {
    dir: full.slice(0, slash + 1),
    module: base.slice(0, dot),
    exportPath: base.slice(dot + 1).split('.'),
  };
}

type ModuleKind = 'esm' | 'cjs';

/** Finds `<dir>/<module>` with .js, .mjs or .cjs, and how Node should load it. */
function resolveModuleFile(
  taskRoot: string,
  name: HandlerName,
): { file: string; kind: ModuleKind } | undefined {
  const base = path.resolve(taskRoot, name.dir, name.module);
  if (existsSync(`${base}.js`))
    return { file: `${base}.js`, kind: packageType(path.dirname(base)) };
  if (existsSync(`${base}.mjs`)) return { file: `${base}.mjs`, kind: 'esm' };
  if (existsSync(`${base}.cjs`)) return { file: `${base}.cjs`, kind: 'cjs' };
  // Last resort, like Lambda: Node's own resolution (a directory with index.js, a package).
  try {
    const require = createRequire(path.join(taskRoot, 'noop.js'));
    const file = require.resolve(path.join(name.dir, name.module).replace(/^\/+/, ''), {
      paths: [path.resolve(taskRoot, name.dir), taskRoot],
    });
    const kind = file.endsWith('.mjs')
      ? 'esm'
      : file.endsWith('.cjs')
        ? 'cjs'
        : packageType(path.dirname(file));
    return { file, kind };
  } catch {
    return undefined;
  }
}

/** `"type"` of the nearest package.json: .js files are ES modules under `"type": "module"`. */
function packageType(dir: string): ModuleKind {
  for (let d = dir; ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown };
        return parsed.type === 'module' ? 'esm' : 'cjs';
      } catch {
        return 'cjs';
      }
    }
    if (path.dirname(d) === d) return 'cjs';
  }
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

async function loadModule(file: string, kind: ModuleKind): Promise<unknown> {
  try {
    if (kind === 'esm') return (await import(pathToFileURL(file).href)) as unknown;
    return createRequire(file)(file) as unknown;
  } catch (err) {
    if (err instanceof SyntaxError) throw wrapCause('Runtime.UserCodeSyntaxError', err);
    if (isModuleNotFound(err)) throw wrapCause('Runtime.ImportModuleError', err);
    throw err;
  }
}

/**
 * Loads the handler named by `_HANDLER` from the task root. Throws a RuntimeInitError
 * (MalformedHandlerName, ImportModuleError, UserCodeSyntaxError, HandlerNotFound), or whatever the
 * module's top-level code threw.
 */
export async function loadHandler(taskRoot: string, fullName: string): Promise<Handler> {
  const name = parseHandlerName(fullName);
  const resolved = resolveModuleFile(taskRoot, name);
  if (resolved === undefined) {
    const missing = `${name.dir}${name.module}`;
    throw new RuntimeInitError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${missing}'\nRequire stack:\n- ${taskRoot}`,
    );
  }
  let target: unknown = await loadModule(resolved.file, resolved.kind);
  for (const key of name.exportPath) {
    target =
      typeof target === 'object' || typeof target === 'function'
        ? (target as Record<string, unknown> | null)?.[key]
        : undefined;
  }
  if (target === undefined || target === null) {
    throw new RuntimeInitError(
      'Runtime.HandlerNotFound',
      `${fullName} is undefined or not exported`,
    );
  }
  if (typeof target !== 'function') {
    throw new RuntimeInitError('Runtime.HandlerNotFound', `${fullName} is not a function`);
  }
  return target as Handler;
}
