/**
 * The credentials an execution environment gets (issue #17 item 3): AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of the function's execution role, so an AWS SDK
 * inside the function starts as it does on Lambda. Where they come from is the caller's
 * (local mode: a credentials file per role ARN); without a mapping, the platform's own
 * (variables the host or the worker image passes on) or else clearly fake values, as Lambda's
 * emulators do, so a call that needs real ones fails at the service, not in the SDK.
 *
 * Invariant: pure; a mapping without a session token sets none (static keys).
 */
export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The credentials mapped to an execution role ARN, if any. */
export type CredentialsFor = (roleArn: string | undefined) => RoleCredentials | undefined;

/** What an unmapped role gets: obviously not real, accepted by every SDK. */
export const FAKE_CREDENTIALS: RoleCredentials = Object.freeze({
  accessKeyId: 'LAMINAFAKEACCESSKEY0',
  secretAccessKey: 'lamina-fake-secret-no-credentials-are-mapped-to-this-role',
  sessionToken: 'lamina-fake-session-token',
});

/** The credentials variables of an environment: the mapped ones, the platform's, or the fakes. */
export function credentialsEnv(
  mapped: RoleCredentials | undefined,
  platform: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const key = platform['AWS_ACCESS_KEY_ID'];
  const secret = platform['AWS_SECRET_ACCESS_KEY'];
  const token = platform['AWS_SESSION_TOKEN'];
  const c: RoleCredentials =
    mapped ??
    (key !== undefined && key !== '' && secret !== undefined && secret !== ''
      ? {
          accessKeyId: key,
          secretAccessKey: secret,
          ...(token === undefined || token === '' ? {} : { sessionToken: token }),
        }
      : FAKE_CREDENTIALS);
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...(c.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: c.sessionToken }),
  };
}
