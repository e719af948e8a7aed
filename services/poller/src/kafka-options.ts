import type { KafkaEventSourceMapping } from '@lamina/core';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/** Reads a secret named by a SourceAccessConfiguration URI (a file, or a mounted Secret). */
export type SecretReader = (uri: string) => Promise<Record<string, string>>;

/**
 * kafkajs connection options of a mapping. Secrets use Lambda's JSON shapes:
 * BASIC_AUTH / SASL_SCRAM_*: `{username, password}` (SASL over TLS, as Lambda);
 * CLIENT_CERTIFICATE_TLS_AUTH: `{certificate, privateKey, privateKeyPassword?}`;
 * SERVER_ROOT_CA_CERTIFICATE: `{certificate}`. Without any: plaintext.
 */
export async function kafkaOptions(
  m: KafkaEventSourceMapping,
  readSecret: SecretReader,
): Promise<Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>> {
  let sasl: SASLOptions | undefined;
  const tls: { ca?: string[]; cert?: string; key?: string; passphrase?: string } = {};
  let useTls = false;
  for (const a of m.sourceAccessConfigurations) {
    const s = await readSecret(a.uri);
    const need = (k: string): string => {
      const v = s[k];
      if (v === undefined) throw new Error(`secret ${a.uri} has no ${k}`);
      return v;
    };
    switch (a.type) {
      case 'BASIC_AUTH':
        sasl = { mechanism: 'plain', username: need('username'), password: need('password') };
        useTls = s['tls'] !== 'false';
        break;
      case 'SASL_SCRAM_256_AUTH':
      case 'SASL_SCRAM_512_AUTH':
        sasl = {
          mechanism: a.type === 'SASL_SCRAM_256_AUTH' ? 'scram-sha-256' : 'scram-sha-512',
          username: need('username'),
          password: need('password'),
        };
        useTls = s['tls'] !== 'false';
        break;
      case 'CLIENT_CERTIFICATE_TLS_AUTH':
        tls.cert = need('certificate');
        tls.key = need('privateKey');
        if (s['privateKeyPassword'] !== undefined) tls.passphrase = s['privateKeyPassword'];
        useTls = true;
        break;
      case 'SERVER_ROOT_CA_CERTIFICATE':
        tls.ca = [need('certificate')];
        useTls = true;
        break;
    }
  }
  return {
    brokers: [...m.bootstrapServers],
    ...(useTls ? { ssl: Object.keys(tls).length === 0 ? true : tls } : {}),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
