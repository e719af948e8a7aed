import {
  type AsyncFunctionConfig,
  type AsyncKeys,
  asyncConfigField,
  decodeAsyncConfig,
} from '@lamina/core';
import type { Redis } from 'ioredis';

/**
 * Where the dispatcher reads the event invoke config of the qualifier an event was invoked
 * with (absent: `$LATEST`'s) and its dead-letter target.
 */
export interface AsyncConfigSource {
  get(functionName: string, qualifier?: string): Promise<AsyncFunctionConfig>;
}

/** Reads the hash the gateway writes (core layout); absent means Lambda's defaults. */
export class RedisAsyncConfigs implements AsyncConfigSource {
  constructor(
    private readonly redis: Pick<Redis, 'hget'>,
    private readonly keys: Pick<AsyncKeys, 'invokeConfigs'>,
  ) {}

  async get(functionName: string, qualifier?: string): Promise<AsyncFunctionConfig> {
    const field = asyncConfigField(functionName, qualifier);
    return decodeAsyncConfig(await this.redis.hget(this.keys.invokeConfigs, field));
  }
}
