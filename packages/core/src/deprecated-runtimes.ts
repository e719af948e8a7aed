/**
 * The runtimes AWS no longer lets anyone create or update a function with, and AWS's answer:
 * InvalidParameterValueException "The runtime parameter of nodejs16.x is no longer supported for
 * creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs24.x)
 * while creating or updating functions." (the newest runtime Lamina knows of the same family), or
 * "… We recommend you use a supported runtime while creating or updating functions." when the
 * family has none.
 *
 * Invariants: every id here is in the service model's Runtime enum, so such a request passes
 * model validation and is refused here; the list holds only runtimes whose create block AWS has
 * published as past, never one Lamina runs.
 */
import { InvalidParameterValueException } from './errors.js';
import { RUNTIMES } from './runtimes.js';

const BLOCKED = new Set([
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'java8',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'provided',
]);

export const isDeprecatedRuntime = (runtime: string): boolean => BLOCKED.has(runtime);

/** The family of a runtime id: `nodejs16.x` → `nodejs`, `dotnetcore3.1` → `dotnet`. */
const familyOf = (id: string): string => (/^[a-z]+/.exec(id)?.[0] ?? id).replace(/core$/, '');

/** Throws AWS's InvalidParameterValueException for a runtime whose create block has passed. */
export function assertRuntimeNotDeprecated(runtime: string): void {
  if (!BLOCKED.has(runtime)) return;
  const family = familyOf(runtime);
  const newest = RUNTIMES.filter((r) => familyOf(r.id) === family).at(-1)?.id;
  const advice = newest === undefined ? 'a supported runtime' : `the new runtime (${newest})`;
  throw new InvalidParameterValueException(
    `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use ${advice} while creating or updating functions.`,
  );
}
