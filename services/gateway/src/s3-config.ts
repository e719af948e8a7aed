/**
 * The gateway's S3 settings (code from S3, issue #16), read by loadConfig from LAMINA_S3_*:
 * an endpoint, the region requests are signed for, path or virtual-hosted style, and optional
 * credentials (from the environment; the chart fills them from a Secret).
 *
 * Invariants: no endpoint, no S3 (the routes refuse S3 code with a 400 naming the setting);
 * credentials come as a pair or not at all (one without the other is a configuration error,
 * not a silent anonymous request).
 */
import { ConfigError } from '@lamina/core';

import type { S3Credentials } from './code/s3-code-source.js';

export interface S3Config {
  readonly endpoint: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Absent: anonymous requests. */
  readonly credentials?: S3Credentials;
}

/** The LAMINA_S3_* variables as the schema parsed them. */
export interface S3Env {
  readonly LAMINA_REGION: string;
  readonly LAMINA_S3_ENDPOINT?: string | undefined;
  readonly LAMINA_S3_REGION?: string | undefined;
  readonly LAMINA_S3_FORCE_PATH_STYLE: 'true' | 'false';
  readonly LAMINA_S3_ACCESS_KEY_ID?: string | undefined;
  readonly LAMINA_S3_SECRET_ACCESS_KEY?: string | undefined;
  readonly LAMINA_S3_SESSION_TOKEN?: string | undefined;
}

/** `{ s3 }` to spread into the configuration, or `{}` when no endpoint is set. */
export function s3ConfigOf(e: S3Env): { s3?: S3Config } {
  const id = e.LAMINA_S3_ACCESS_KEY_ID;
  const secret = e.LAMINA_S3_SECRET_ACCESS_KEY;
  if ((id === undefined) !== (secret === undefined)) {
    throw new ConfigError([
      'LAMINA_S3_ACCESS_KEY_ID and LAMINA_S3_SECRET_ACCESS_KEY: set both or neither',
    ]);
  }
  if (e.LAMINA_S3_ENDPOINT === undefined) return {};
  const token = e.LAMINA_S3_SESSION_TOKEN;
  return {
    s3: Object.freeze({
      endpoint: e.LAMINA_S3_ENDPOINT.replace(/\/$/, ''),
      region: e.LAMINA_S3_REGION ?? e.LAMINA_REGION,
      forcePathStyle: e.LAMINA_S3_FORCE_PATH_STYLE === 'true',
      ...(id === undefined || secret === undefined
        ? {}
        : {
            credentials: Object.freeze({
              accessKeyId: id,
              secretAccessKey: secret,
              ...(token === undefined ? {} : { sessionToken: token }),
            }),
          }),
    }),
  };
}
