import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ConfigError, envInt, envOptional, parseEnv } from './env-config.js';

describe('parseEnv', () => {
  const schema = z.object({
    PORT: envOptional(envInt(0, 65_535).default(9000)),
    NAME: z.string(),
  });

  it('applies defaults to unset and empty variables', () => {
    expect(parseEnv(schema, { PORT: '', NAME: 'x' })).toEqual({ PORT: 9000, NAME: 'x' });
    expect(parseEnv(schema, { PORT: '80', NAME: 'x' }).PORT).toBe(80);
  });

  it('names every problem at once', () => {
    let err: unknown;
    try {
      parseEnv(schema, { PORT: '70000' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toHaveLength(2);
    expect((err as ConfigError).message).toMatch(/PORT: .*\n.*NAME: /);
  });
});
