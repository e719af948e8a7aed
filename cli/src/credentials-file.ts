/**
 * Local mode's credentials per execution role (issue #17 item 3): a JSON file mapping role ARNs
 * to credentials in STS's shape, so the output of `aws sts assume-role` (its `Credentials`) can be
 * pasted as it is:
 *
 *   { "arn:aws:iam::123456789012:role/app": { "AccessKeyId": "…", "SecretAccessKey": "…",
 *     "SessionToken": "…" } }
 *
 * Invariants: read when an environment starts, again only when the file's mtime or size changed,
 * so edits apply to the next cold start without a restart; a missing file maps nothing; an
 * unreadable file or entry is logged once per change and maps nothing (the environment then gets
 * clearly fake credentials), never fails a call.
 */
import { readFileSync, statSync } from 'node:fs';

import type { CredentialsFor, RoleCredentials } from '@lamina/worker';

interface Logger {
  warn(obj: object, msg: string): void;
}

function parse(text: string, file: string, logger: Logger): Map<string, RoleCredentials> {
  const out = new Map<string, RoleCredentials>();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    logger.warn({ err, file }, 'credentials file is not JSON; no role has credentials');
    return out;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [role, entry] of Object.entries(value as Record<string, unknown>)) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token } = e;
    if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') {
      logger.warn(
        { file, role },
        'credentials entry needs AccessKeyId and SecretAccessKey; skipped',
      );
      continue;
    }
    out.set(role, {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(typeof token === 'string' && token !== '' ? { sessionToken: token } : {}),
    });
  }
  return out;
}

/** Credentials per role ARN from `file`; see the file comment. */
export function credentialsFile(file: string, logger: Logger): CredentialsFor {
  let seen = '';
  let roles = new Map<string, RoleCredentials>();
  return (roleArn) => {
    if (roleArn === undefined) return undefined;
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${String(st.mtimeMs)}:${String(st.size)}`;
    } catch {
      return undefined;
    }
    if (stamp !== seen) {
      seen = stamp;
      try {
        roles = parse(readFileSync(file, 'utf8'), file, logger);
      } catch (err) {
        logger.warn({ err, file }, 'credentials file unreadable; no role has credentials');
        roles = new Map();
      }
    }
    return roles.get(roleArn);
  };
}
