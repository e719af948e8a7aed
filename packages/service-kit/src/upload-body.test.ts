import { describe, expect, it } from 'vitest';

import { decodeUploadBody, isBase64 } from './upload-body.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('decodeUploadBody', () => {
  it('parses the body and takes the base64 zip at the path out as bytes', () => {
    const zip = Buffer.from('PK\x03\x04 zip bytes');
    const d = decodeUploadBody(
      bytes(JSON.stringify({ FunctionName: 'f', Code: { ZipFile: zip.toString('base64') } })),
      ['Code', 'ZipFile'],
    );
    expect(d.kind).toBe('ok');
    if (d.kind !== 'ok') return;
    expect(d.value).toEqual({ FunctionName: 'f', Code: {} });
    expect(Buffer.from(d.zip ?? [])).toEqual(zip);
  });

  it('leaves a ZipFile that is not base64 (or not a string) where it is', () => {
    for (const ZipFile of ['not base64!', 42, null]) {
      const d = decodeUploadBody(bytes(JSON.stringify({ ZipFile })), ['ZipFile']);
      expect(d).toEqual({ kind: 'ok', value: { ZipFile } });
    }
    expect(decodeUploadBody(bytes('[1]'), ['Code', 'ZipFile'])).toEqual({ kind: 'ok', value: [1] });
  });

  it('answers bad JSON with the parser message', () => {
    expect(decodeUploadBody(bytes('nope'), ['ZipFile'])).toEqual({
      kind: 'bad-json',
      message: 'Unexpected token n in JSON at position 0',
    });
    const d = decodeUploadBody(bytes('{"a":'), ['ZipFile']);
    expect(d.kind).toBe('bad-json');
  });

  it('isBase64 is the regex /^[A-Za-z0-9+/]*={0,2}$/', () => {
    for (const s of ['', 'QUJD', 'QUI=', 'QQ==', 'Q===', 'QU JD', 'QU-_', 'QUé=', '=QUJ', 'a=b'])
      expect(isBase64(s), s).toBe(/^[A-Za-z0-9+/]*={0,2}$/.test(s));
  });
});
