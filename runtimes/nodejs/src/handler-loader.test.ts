import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHandler, parseHandlerName } from './handler-loader.js';

function taskRoot(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lamina-rt-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const CJS = { 'package.json': '{"type":"commonjs"}' };

describe('parseHandlerName', () => {
  it.each([
    ['index.handler', { dir: '', module: 'index', exportPath: ['handler'] }],
    ['src/app.main', { dir: 'src/', module: 'app', exportPath: ['main'] }],
    ['a/b/file.x.y.z', { dir: 'a/b/', module: 'file', exportPath: ['x', 'y', 'z'] }],
  ])('splits %s', (name, expected) => {
    expect(parseHandlerName(name)).toEqual(expected);
  });

  it.each(['index', 'index.', '.handler', 'src/index', '', '../up.handler'])(
    'rejects %j as Runtime.MalformedHandlerName',
    (name) => {
      expect(() => parseHandlerName(name)).toThrow(
        expect.objectContaining({ name: 'Runtime.MalformedHandlerName' }) as Error,
      );
    },
  );
});

describe('loadHandler', () => {
  it('loads CommonJS .js, .cjs and ES .mjs handlers', async () => {
    const root = taskRoot({
      ...CJS,
      'a.js': 'exports.h = () => "cjs-js";',
      'b.cjs': 'module.exports.h = () => "cjs";',
      'c.mjs': 'export const h = () => "esm";',
    });
    for (const [name, value] of [
      ['a.h', 'cjs-js'],
      ['b.h', 'cjs'],
      ['c.h', 'esm'],
    ] as const) {
      const handler = await loadHandler(root, name);
      expect(handler({}, {}, undefined)).toBe(value);
    }
  });

  it('loads .js as ESM under "type": "module", and nested exports', async () => {
    const root = taskRoot({
      'package.json': '{"type":"module"}',
      'lib/app.js': 'export const api = { v1: { get: () => "nested" } };',
    });
    const handler = await loadHandler(root, 'lib/app.api.v1.get');
    expect(handler({}, {}, undefined)).toBe('nested');
  });

  it('reports a missing module as Runtime.ImportModuleError', async () => {
    await expect(loadHandler(taskRoot(CJS), 'missing.handler')).rejects.toMatchObject({
      name: 'Runtime.ImportModuleError',
      message: expect.stringMatching(/^Error: Cannot find module 'missing'/) as string,
    });
  });

  it('reports a missing dependency as Runtime.ImportModuleError', async () => {
    const root = taskRoot({ ...CJS, 'app.js': 'require("nope-nope"); exports.h = () => 1;' });
    await expect(loadHandler(root, 'app.h')).rejects.toMatchObject({
      name: 'Runtime.ImportModuleError',
      message: expect.stringContaining("Cannot find module 'nope-nope'") as string,
    });
  });

  it('reports syntax errors as Runtime.UserCodeSyntaxError', async () => {
    const root = taskRoot({ ...CJS, 'app.js': 'exports.h = () => {;' });
    await expect(loadHandler(root, 'app.h')).rejects.toMatchObject({
      name: 'Runtime.UserCodeSyntaxError',
      message: expect.stringMatching(/^SyntaxError: /) as string,
    });
  });

  it('reports missing and non-function exports as Runtime.HandlerNotFound', async () => {
    const root = taskRoot({ ...CJS, 'app.js': 'exports.notFn = 1;' });
    await expect(loadHandler(root, 'app.nope')).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'app.nope is undefined or not exported',
    });
    await expect(loadHandler(root, 'app.notFn')).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'app.notFn is not a function',
    });
  });

  it('passes through errors thrown by the module itself', async () => {
    const root = taskRoot({ ...CJS, 'app.js': 'throw new RangeError("top level");' });
    await expect(loadHandler(root, 'app.h')).rejects.toMatchObject({
      name: 'RangeError',
      message: 'top level',
    });
  });
});
