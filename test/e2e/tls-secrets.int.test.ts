/**
 * Issue #18 items 5 and 7 in local mode, through the unmodified AWS SDK v3 and boto3: a gateway
 * given LAMINA_TLS_CERT_FILE/LAMINA_TLS_KEY_FILE serves HTTPS only, the SDKs work against it when
 * they trust the (self-signed) certificate, the invoke fast path and async invokes (the in-process
 * dispatcher calling back over TLS) work over it; environment variables reach the function and
 * GetFunctionConfiguration, and no state file holds a variable's value in plaintext.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { connect } from 'node:tls';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { eventually, type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';

const run = promisify(execFile);
const SECRET = `s3cr3t-${Math.random().toString(36).slice(2)}`;
const code = makeZip({
  'index.js': [
    'exports.handler = async (e) => {',
    '  return { secret: process.env.DB_PASSWORD };',
    '};',
  ].join('\n'),
});

/** GET over https trusting `ca`. */
function httpsGet(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.once('error', reject);
    }).once('error', reject);
  });
}

/** The subject CN of the certificate a new TLS connection to `url` is given. */
function servedName(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: hostname, port: Number(port), rejectUnauthorized: false },
      () => {
        const cn = socket.getPeerCertificate().subject.CN;
        socket.destroy();
        resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
      },
    );
    socket.once('error', reject);
  });
}

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return filesUnder(p);
    return d.isFile() ? [p] : [];
  });
}

const BOTO = `
import sys, json, boto3
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='test', aws_secret_access_key='test', verify=sys.argv[2])
r = c.invoke(FunctionName=sys.argv[3], Payload=b'{}')
print(json.dumps(json.loads(r['Payload'].read())))
`;

describe('local mode over TLS, with sealed environment variables', () => {
  let dir: string;
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let cert: string;
  const fn = uniqueName('tls');
  /** The function's invocation count from /metrics, trusting the certificate in force now. */
  const invocations = async (): Promise<number> => {
    const text = await httpsGet(`${lamina.url}/metrics`, readFileSync(cert));
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`lamina_invocations_total{function="${fn}"`));
    return Number(line?.split(' ').pop() ?? '0');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-tls-'));
    cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', cert,
    ]); // prettier-ignore
    lamina = await startLamina({
      stateDir: join(dir, 'state'),
      env: { LAMINA_TLS_CERT_FILE: cert, LAMINA_TLS_KEY_FILE: key },
    });
    client = new LambdaClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(cert) }) },
    });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: code },
        Environment: { Variables: { DB_PASSWORD: SECRET } },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS only, and the SDK v3 invokes through it (the fast path)', async () => {
    expect(lamina.url).toMatch(/^https:\/\//);
    const res = await client.send(new InvokeCommand({ FunctionName: fn, Payload: '{}' }));
    expect(JSON.parse(Buffer.from(res.Payload ?? []).toString())).toEqual({ secret: SECRET });
    // Plain HTTP on the same port is not served.
    await expect(fetch(lamina.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(fetch(`${lamina.url}/healthz`)).rejects.toThrow();
  });

  it('boto3 with verify=<ca path> invokes through it', async () => {
    const { stdout } = await run('python3', ['-c', BOTO, lamina.url, cert, fn]);
    expect(JSON.parse(stdout)).toEqual({ secret: SECRET });
  });

  it('async invokes run: the in-process dispatcher calls the gateway over TLS', async () => {
    const before = await invocations();
    const res = await client.send(
      new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' }),
    );
    expect(res.StatusCode).toBe(202);
    try {
      await eventually(
        async () => {
          expect(await invocations()).toBe(before + 1);
          return true;
        },
        { timeoutMs: 30_000 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${lamina.logs().slice(-4000)}`);
    }
  });

  it('returns the variables as AWS does, and no state file holds the value in plaintext', async () => {
    const conf = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    await client.send(new PublishVersionCommand({ FunctionName: fn }));
    const v1 = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn, Qualifier: '1' }),
    );
    expect(v1.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    const files = filesUnder(lamina.stateDir).filter(
      (f) => !f.includes('/logs/') && !f.includes('/redis/') && statSync(f).size < 10_000_000,
    );
    expect(files.some((f) => f.endsWith(`functions/${fn}.json`))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(SECRET), f).toBe(false);
    expect(statSync(join(lamina.stateDir, 'env.key')).mode & 0o777).toBe(0o600);
  });

  it('takes a rotated certificate for new connections without a restart (ADR 0040)', async () => {
    expect(await servedName(lamina.url)).toBe('localhost');
    const next = join(dir, 'next');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', '/CN=rotated', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', `${next}.key`, '-out', `${next}.pem`,
    ]); // prettier-ignore
    // As a mounted Secret changes: each file replaced whole (by rename).
    renameSync(`${next}.key`, join(dir, 'key.pem'));
    renameSync(`${next}.pem`, cert);
    await eventually(
      async () => {
        expect(await servedName(lamina.url)).toBe('rotated');
        return true;
      },
      { timeoutMs: 20_000 },
    );
    // A client trusting only the new certificate invokes; the gateway never restarted.
    const fresh = new LambdaClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(cert) }) },
    });
    try {
      const res = await fresh.send(new InvokeCommand({ FunctionName: fn, Payload: '{}' }));
      expect(JSON.parse(Buffer.from(res.Payload ?? []).toString())).toEqual({ secret: SECRET });
      // The in-process dispatcher follows the new certificate as well: an async invoke runs.
      const before = await invocations();
      const ev = await fresh.send(
        new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' }),
      );
      expect(ev.StatusCode).toBe(202);
      await eventually(
        async () => {
          expect(await invocations()).toBe(before + 1);
          return true;
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      fresh.destroy();
    }
  }, 60_000);
});
