import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { followCertificate, loadCertificate } from './tls-certificate.js';

const run = promisify(execFile);

/** A self-signed certificate for 127.0.0.1 named `cn`, written under `dir`. */
async function selfSigned(dir: string, cn: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]); // prettier-ignore
  return { cert, key };
}

/** The CN of the certificate a new connection to `port` is given. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    socket.once('error', reject);
  });
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('following the HTTPS certificate on disk', () => {
  let dir: string;
  let first: { cert: string; key: string };
  let second: { cert: string; key: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-cert-'));
    first = await selfSigned(dir, 'first');
    second = await selfSigned(dir, 'second');
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('new connections get the new certificate; a broken pair keeps the old one', async () => {
    const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
    writeFileSync(files.certFile, readFileSync(first.cert));
    writeFileSync(files.keyFile, readFileSync(first.key));
    const server = createServer(loadCertificate(files), (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const logs: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
    const logger = {
      info: (obj: Record<string, unknown>, msg: string) => logs.push({ level: 'info', obj, msg }),
      warn: (obj: Record<string, unknown>, msg: string) => logs.push({ level: 'warn', obj, msg }),
    };
    const follower = followCertificate(server, { files, logger: logger as never, intervalMs: 20 });
    try {
      expect(await servedName(port)).toBe('first');
      // Half a rotation: the second certificate with the first key does not load.
      writeFileSync(files.certFile, readFileSync(second.cert));
      await until(() => Promise.resolve(logs.some((l) => l.level === 'warn')));
      expect(await servedName(port)).toBe('first');
      // The key follows (as a mounted Secret's swap does, by rename): the pair is taken.
      writeFileSync(`${files.keyFile}.new`, readFileSync(second.key));
      renameSync(`${files.keyFile}.new`, files.keyFile);
      await until(async () => (await servedName(port)) === 'second');
      const reloaded = logs.find((l) => l.level === 'info');
      expect(reloaded?.msg).toBe('TLS certificate reloaded; new connections use it');
      expect(reloaded?.obj['subject']).toBe('CN=second');
      expect(reloaded?.obj['fingerprint256']).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      follower.stop();
      follower.stop();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }, 30_000);
});
