/**
 * Turns what the AWS SDK throws into a CliError with an exit code and a message that says what
 * was tried and what to do: nothing listening, a Lambda error (its name and message), or an
 * operation this Lamina does not have (UnknownOperationException, 404).
 */
import { CliError, EXIT } from './cli-error.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The system error code somewhere in err, its cause chain or its AggregateError members. */
export function networkCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  const nested = [
    (err as { cause?: unknown }).cause,
    ...((err as { errors?: unknown }).errors instanceof Array
      ? (err as { errors: unknown[] }).errors
      : []),
  ];
  for (const n of nested) {
    const found = networkCode(n, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function isUnknownOperation(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'UnknownOperationException'
  );
}

export function errorName(err: unknown): string | undefined {
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

export function unreachable(endpoint: string, code: string): CliError {
  return new CliError(
    `could not reach ${endpoint} (${code}) — is \`lamina dev\` running? Start it, or point the CLI elsewhere with --endpoint, LAMINA_ENDPOINT or --profile`,
    EXIT.unreachable,
  );
}

/** `doing` is what was tried, e.g. "GetFunction hello". */
export function toCliError(err: unknown, endpoint: string, doing: string): CliError {
  if (err instanceof CliError) return err;
  const code = networkCode(err);
  if (code !== undefined) return unreachable(endpoint, code);
  const name = errorName(err) ?? 'Error';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'UnknownOperationException') {
    return new CliError(
      `${doing}: ${endpoint} does not offer this operation (UnknownOperationException) — this Lamina is older than the feature`,
      EXIT.failed,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new CliError(`${doing}: ${message} (ResourceNotFoundException)`, EXIT.notFound);
  }
  return new CliError(`${doing}: ${name}: ${message}`, EXIT.failed);
}

/** Runs one API call; any failure becomes a CliError naming the call. */
export async function call<T>(endpoint: string, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toCliError(err, endpoint, doing);
  }
}
