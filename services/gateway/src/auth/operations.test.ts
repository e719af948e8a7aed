import { describe, expect, it } from 'vitest';

import { isUnsigned, operationOf } from './operations.js';

const arn = { region: 'us-east-1', accountId: '000000000000' };
const op = (path: string) => operationOf('GET', path, new URLSearchParams(), arn, () => undefined);

describe("the console's and `lamina logs`' operations (ADR 0038)", () => {
  it('are actions of their own on the function, and data events like Invoke', () => {
    expect(op('/lamina/v1/functions/hello/logs')).toEqual({
      name: 'GetFunctionLogs',
      action: 'lamina:GetFunctionLogs',
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
      fn: { name: 'hello', qualifier: undefined },
      management: false,
    });
    expect(op('/lamina/v1/functions/hello/metrics')).toMatchObject({
      action: 'lamina:GetFunctionMetrics',
      management: false,
    });
    expect(op('/2015-03-31/functions/hello')?.management).toBe(true);
  });

  it("leave the console's files unsigned, and nothing else that looks like them", () => {
    expect(isUnsigned('/console')).toBe(true);
    expect(isUnsigned('/console/main.js')).toBe(true);
    expect(isUnsigned('/consoles')).toBe(false);
    expect(isUnsigned('/lamina/v1/functions/hello/logs')).toBe(false);
  });
});
