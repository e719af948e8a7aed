import { describe, expect, it } from 'vitest';

import { LaminaError } from './errors.js';
import { matchOperation } from './model-operations.js';
import {
  assertModelValid,
  hasJsonBody,
  modelValidationErrors,
  validationMessage,
} from './model-validation.js';

const none = (): undefined => undefined;
const req = (uri: Record<string, string>, body?: unknown, query: Record<string, string> = {}) => ({
  uri,
  query: (k: string) => query[k],
  header: none,
  ...(body === undefined ? {} : { body }),
});

const NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

describe('model validation', () => {
  it("words a pattern failure as AWS does, with the member's lowerCamel name", () => {
    let caught: unknown;
    try {
      assertModelValid('GetFunction', req({ FunctionName: 'my-function!' }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LaminaError);
    expect((caught as LaminaError).name).toBe('ValidationException');
    expect((caught as LaminaError).message).toBe(
      `1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    );
  });

  it('counts several failures and joins them with "; "', () => {
    const errors = modelValidationErrors(
      'CreateFunction',
      req({}, { FunctionName: 'f', Runtime: 'cobol', MemorySize: 64, Code: {} }),
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(
      /^Value 'cobol' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs, nodejs4\.3, .*\]$/,
    );
    expect(errors.slice(1)).toEqual([
      "Value null at 'role' failed to satisfy constraint: Member must not be null",
      "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    ]);
    expect(validationMessage(errors.slice(1))).toBe(
      `2 validation errors detected: ${errors[1] ?? ''}; ${errors[2] ?? ''}`,
    );
  });

  it('reports a list of enums and a length the way AWS does for Architectures', () => {
    const base = { FunctionName: 'f', Role: 'arn:aws:iam::123456789012:role/r', Code: {} };
    expect(
      modelValidationErrors('CreateFunction', req({}, { ...base, Architectures: ['arm65'] })),
    ).toEqual([
      "Value '[arm65]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    ]);
    expect(
      modelValidationErrors(
        'CreateFunction',
        req({}, { ...base, Architectures: ['x86_64', 'arm64'] }),
      ),
    ).toEqual([
      "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    ]);
  });

  it('leaves the value out for a sensitive map and checks its keys', () => {
    const errors = modelValidationErrors(
      'UpdateFunctionConfiguration',
      req({ FunctionName: 'f' }, { Environment: { Variables: { '1BAD': 'x' } } }),
    );
    expect(errors).toEqual([
      "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    ]);
  });

  it('reads numbers from the query and checks their range', () => {
    expect(modelValidationErrors('ListFunctions', req({}, undefined, { MaxItems: '0' }))).toEqual([
      "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ]);
  });

  it('passes a valid request', () => {
    expect(
      modelValidationErrors(
        'CreateFunction',
        req(
          {},
          {
            FunctionName: 'f',
            Role: 'arn:aws:iam::123456789012:role/r',
            Code: { ZipFile: 'UEs=' },
            Runtime: 'nodejs22.x',
            Architectures: ['arm64'],
          },
        ),
      ),
    ).toEqual([]);
  });
});

describe('matchOperation', () => {
  it('finds the operation and its decoded URI parameters', () => {
    expect(matchOperation('GET', '/2015-03-31/functions/my%2Dfn', none)).toEqual({
      operation: 'GetFunction',
      uri: { FunctionName: 'my-fn' },
    });
    expect(matchOperation('GET', '/2015-03-31/functions/f/aliases/live', none)?.operation).toBe(
      'GetAlias',
    );
    expect(matchOperation('POST', '/2015-03-31/functions/f/invocations', none)?.operation).toBe(
      'Invoke',
    );
    expect(matchOperation('GET', '/2015-03-31/functions/', none)?.operation).toBe('ListFunctions');
  });

  it('prefers a template whose fixed query is present', () => {
    const q = (k: string) => (k === 'find' ? 'LayerVersion' : undefined);
    expect(matchOperation('GET', '/2018-10-31/layers', q)?.operation).toBe('GetLayerVersionByArn');
    expect(matchOperation('GET', '/2018-10-31/layers', none)?.operation).toBe('ListLayers');
  });

  it('matches nothing for paths the model does not have or that do not decode', () => {
    expect(matchOperation('GET', '/schedules/x', none)).toBeUndefined();
    expect(matchOperation('GET', '/2015-03-31/functions/%zz', none)).toBeUndefined();
  });

  it('knows which operations carry a JSON body', () => {
    expect(hasJsonBody('CreateFunction')).toBe(true);
    expect(hasJsonBody('Invoke')).toBe(false);
    expect(hasJsonBody('GetFunction')).toBe(false);
  });
});
