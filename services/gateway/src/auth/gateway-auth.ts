/**
 * The gateway's authentication at start (issue #18): the key ring (the keys file, the backend's
 * own key store, the platform's in-process service keys), the audit log, and the host an open
 * gateway may listen on.
 *
 * Invariants: with no key source at all the API is open — said once at start, and a local
 * gateway then listens on loopback only, whatever host was configured; a configured key source
 * that cannot start fails the start (never silently open); the service keys are only ever used
 * together with another source (alone they would lock every user out of an open gateway).
 */
import type { Lifecycle } from '@lamina/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { GatewayConfig } from '../config.js';
import type { GatewayBackend } from '../gateway-backend.js';
import { type AccessKey, KeyRing } from './access-keys.js';
import { AuditLog } from './audit-log.js';
import { KeysFile } from './keys-file.js';

export interface GatewayAuthOptions {
  readonly config: Pick<GatewayConfig, 'accountId' | 'host' | 'authKeysFile' | 'auditLogFile'>;
  readonly backend: Pick<GatewayBackend, 'mode' | 'accessKeys'>;
  /** The platform's own identities (local mode's in-process dispatcher and poller). */
  readonly serviceKeys?: readonly AccessKey[];
  readonly registry: Registry;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  /** Where audit lines go besides the file; default stdout. */
  readonly write?: (line: string) => void;
}

export interface GatewayAuth {
  /** Absent: open. */
  readonly accessKeys?: KeyRing;
  readonly audit: AuditLog;
  /** The host to listen on. */
  readonly host: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startGatewayAuth(o: GatewayAuthOptions): Promise<GatewayAuth> {
  const { config, logger, lifecycle } = o;
  const audit = new AuditLog({
    write:
      o.write ??
      ((line) => {
        process.stdout.write(line);
      }),
    ...(config.auditLogFile === undefined ? {} : { file: config.auditLogFile }),
    registry: o.registry,
    logger,
  });
  lifecycle.add({ name: 'audit log', stop: () => audit.close() });
  const ring = new KeyRing();
  let signed = false;
  if (config.authKeysFile !== undefined) {
    const file = new KeysFile({
      file: config.authKeysFile,
      accountId: config.accountId,
      ring,
      logger,
    });
    await file.start();
    lifecycle.add({ name: 'keys file', stop: () => file.stop() });
    signed = true;
  }
  if (o.backend.accessKeys !== undefined) {
    await o.backend.accessKeys(ring);
    signed = true;
  }
  if (signed) {
    if (o.serviceKeys !== undefined) ring.replace('services', o.serviceKeys);
    logger.info({ keys: ring.size }, 'every API call must be SigV4-signed');
    return { accessKeys: ring, audit, host: config.host };
  }
  let host = config.host;
  if (o.backend.mode === 'local' && !LOOPBACK.has(host)) {
    logger.warn({ configured: host }, 'an open gateway listens on loopback only');
    host = '127.0.0.1';
  }
  logger.warn(
    'the API is open: no access keys (set LAMINA_AUTH_KEYS_FILE), so any caller may do anything',
  );
  return { audit, host };
}
