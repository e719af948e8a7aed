import {
  type AsyncFunctionConfig,
  type AsyncKeys,
  asyncConfigField,
  CallBatcher,
  decodeAsyncConfig,
} from '@lamina/core';

/** The one Redis call the configs need (ioredis' `hmget`). */
export interface ConfigRedis {
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
}

/**
 * Where the dispatcher reads the event invoke config of the qualifier an event was invoked
 * with (absent: `$LATEST`'s) and its dead-letter target.
 */
export interface AsyncConfigSource {
  get(functionName: string, qualifier?: string): Promise<AsyncFunctionConfig>;
}

/**
 * Reads the hash the gateway writes (core layout); absent means Lambda's defaults.
 *
 * Invariants (ADR 0053): every `get` reads Redis after it was called — no cache, so a config
 * the gateway changed applies to every event read after the change; the reads of events that
 * start while one read is on the wire go out together as one `HMGET` (each field once), so a
 * dispatcher pays one round trip and one write per batch instead of per event; a field whose
 * text is what it was last time reuses its decoded config (same text, same config).
 */
export class RedisAsyncConfigs implements AsyncConfigSource {
  private readonly reads: CallBatcher<string, string | null>;
  private readonly decoded = new Map<
    string,
    { text: string | null; config: AsyncFunctionConfig }
  >();

  constructor(
    private readonly redis: ConfigRedis,
    private readonly keys: Pick<AsyncKeys, 'invokeConfigs'>,
  ) {
    this.reads = new CallBatcher({ send: (fields) => this.read(fields), maxInFlight: 1 });
  }

  async get(functionName: string, qualifier?: string): Promise<AsyncFunctionConfig> {
    const field = asyncConfigField(functionName, qualifier);
    const text = await this.reads.call(field);
    const last = this.decoded.get(field);
    if (last?.text === text) return last.config;
    const config = decodeAsyncConfig(text);
    // Bounded by the functions (and qualifiers) this dispatcher saw events of.
    this.decoded.set(field, { text, config });
    return config;
  }

  /** One HMGET of the batch's distinct fields; each caller gets its field's text. */
  private async read(fields: readonly string[]): Promise<(string | null)[]> {
    const distinct = [...new Set(fields)];
    const texts = await this.redis.hmget(this.keys.invokeConfigs, ...distinct);
    const byField = new Map(distinct.map((f, i) => [f, texts[i] ?? null]));
    return fields.map((f) => byField.get(f) ?? null);
  }
}
