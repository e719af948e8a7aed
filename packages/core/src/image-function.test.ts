import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { validateFunctionSpec } from './function-spec.js';
import {
  assertImageUri,
  imageIdentityHex,
  parseImageConfig,
  parseImageUri,
  parsePackageType,
} from './image-function.js';

const DIGEST = '0123456789abcdef'.repeat(4);

describe('ImageUri', () => {
  it.each([
    ['hello:v1', { tag: 'v1' }],
    ['registry.local:5000/team/hello:1.2.3', { tag: '1.2.3' }],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest', { tag: 'latest' }],
    [`hello@sha256:${DIGEST}`, { digest: DIGEST }],
    [`localhost:5000/a/b:v1@sha256:${DIGEST}`, { tag: 'v1', digest: DIGEST }],
  ])('accepts %s', (uri, parts) => {
    expect(parseImageUri(uri)).toEqual({ uri, ...parts });
  });

  it.each([
    'hello',
    'registry.local:5000/hello',
    'Hello:v1',
    'hello:',
    'hello@sha256:short',
    'hello:v1 ',
    `${'a'.repeat(1100)}:v1`,
  ])('refuses %j: no tag or digest, or not a reference', (uri) => {
    expect(parseImageUri(uri)).toBeUndefined();
    expect(() => assertImageUri(uri)).toThrow(/Source image .* is not valid/);
  });

  it('identifies an image by its digest, else by the reference text', () => {
    expect(imageIdentityHex(`hello@sha256:${DIGEST}`)).toBe(DIGEST);
    expect(imageIdentityHex('hello:v1')).toBe(
      createHash('sha256').update('hello:v1').digest('hex'),
    );
    expect(imageIdentityHex('hello:v1')).not.toBe(imageIdentityHex('hello:v2'));
  });
});

describe('ImageConfig and PackageType', () => {
  it('keeps the given fields; {} overrides nothing', () => {
    expect(
      parseImageConfig({ EntryPoint: ['/e'], Command: ['a.h'], WorkingDirectory: '/w' }),
    ).toEqual({ entryPoint: ['/e'], command: ['a.h'], workingDirectory: '/w' });
    expect(parseImageConfig({})).toEqual({});
    expect(parseImageConfig(undefined)).toBeUndefined();
  });

  it('refuses malformed members with ValidationException', () => {
    expect(() => parseImageConfig({ Command: 'a.h' })).toThrow(/ImageConfig.Command/);
    expect(() => parseImageConfig({ WorkingDirectory: 'x'.repeat(1001) })).toThrow(
      /WorkingDirectory/,
    );
    expect(() => parsePackageType('Docker')).toThrow(/\[Zip, Image\]/);
  });

  it('an image spec has no runtime, handler or layers and needs no supported runtime', () => {
    const spec = validateFunctionSpec(
      { name: 'img', packageType: 'Image', imageConfig: { command: ['a.h'] } },
      [],
    );
    expect(spec).toMatchObject({ packageType: 'Image', runtime: '', handler: '' });
    expect(spec.imageConfig).toEqual({ command: ['a.h'] });
    const layer = {
      arn: 'arn:aws:lambda:us-east-1:000000000000:layer:l:1',
      sha256: 'x',
      codeSize: 1,
    };
    expect(() =>
      validateFunctionSpec({ name: 'img', packageType: 'Image', layers: [layer] }, []),
    ).toThrow(/Please don't provide Handler or Runtime or Layer/);
    expect(() =>
      validateFunctionSpec(
        { name: 'z', runtime: 'nodejs22.x', handler: 'i.h', imageConfig: { command: ['x'] } },
        ['nodejs22.x'],
      ),
    ).toThrow(/only supported for functions with PackageType Image/);
  });
});
