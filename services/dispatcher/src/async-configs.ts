import { type AsyncFunctionConfig, type AsyncKeys, decodeAsyncConfig } from '@lamina/core';
import type { Redis } from 'ioredis';

/** Where the dispatcher reads a function's event invoke config and dead-letter target. */
export interface AsyncConfigSource {
  get(functionName: string): Promise<AsyncFunctionConfig>;
}

/** Reads the hash the gateway writes (core layout); absent means Lambda's defaults. */
export class RedisAsyncConfigs implements AsyncConfigSource {
  constructor(
    private readonly redis: Pick<Redis, 'hget'>,
    private readonly keys: Pick<AsyncKeys, 'invokeConfigs'>,
  ) {}

  async get(functionName: string): Promise<AsyncFunctionConfig> {
    return decodeAsyncConfig(await this.redis.hget(this.keys.invokeConfigs, functionName));
  }
}
