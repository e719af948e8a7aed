/**
 * The HTTPS server's certificate, followed on disk (issue #18): when the certificate or key file
 * changes — an operator replacing local files, or Kubernetes updating a mounted `kubernetes.io/tls`
 * Secret (it swaps the volume's `..data` link, which changes what the paths resolve to) — the
 * pair is read again and handed to `server.setSecureContext`, so new connections get the new
 * certificate without a restart; connections already open keep theirs.
 *
 * Invariants: a pair that does not load (a file missing or half-written, the key not matching the
 * certificate — the moment between two file writes) is logged as a warning and the certificate
 * in force stays; the next change tries again. A touch that changes neither file is ignored. Each change is logged with the new certificate's subject, expiry
 * and SHA-256 fingerprint. `stop()` is idempotent and never keeps the process alive.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { Server as TlsServer } from 'node:https';

import type { Logger } from 'pino';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads the pair and checks that it makes a TLS context (the key matches the certificate). */
export function loadCertificate(files: CertificateFiles): CertificatePair {
  const pair = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  createSecureContext(pair); // throws on a bad or mismatched pair
  return pair;
}

/** What the log says about a certificate. */
export function describeCertificate(cert: Buffer): Record<string, string> {
  try {
    const x = new X509Certificate(cert);
    return { subject: x.subject, validTo: x.validTo, fingerprint256: x.fingerprint256 };
  } catch {
    return {};
  }
}

export interface FollowCertificateOptions {
  readonly files: CertificateFiles;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** How often the files' stats are polled; default 1 s. */
  readonly intervalMs?: number;
}

/** Follows the files, swapping `server`'s secure context on each usable change. */
export function followCertificate(
  server: Pick<TlsServer, 'setSecureContext'>,
  o: FollowCertificateOptions,
): { stop: () => void } {
  let stopped = false;
  let last = loadCertificate(o.files);
  const changed = (): void => {
    if (stopped) return;
    let pair: CertificatePair;
    try {
      pair = loadCertificate(o.files);
    } catch (err) {
      o.logger.warn(
        { err, certFile: o.files.certFile, keyFile: o.files.keyFile },
        'TLS certificate files unusable; keeping the certificate in force',
      );
      return;
    }
    if (pair.cert.equals(last.cert) && pair.key.equals(last.key)) return; // touched, not changed
    server.setSecureContext(pair);
    last = pair;
    o.logger.info(
      { certFile: o.files.certFile, ...describeCertificate(pair.cert) },
      'TLS certificate reloaded; new connections use it',
    );
  };
  const opts = { interval: o.intervalMs ?? 1000, persistent: false };
  watchFile(o.files.certFile, opts, changed);
  watchFile(o.files.keyFile, opts, changed);
  return {
    stop: () => {
      stopped = true;
      unwatchFile(o.files.certFile, changed);
      unwatchFile(o.files.keyFile, changed);
    },
  };
}
