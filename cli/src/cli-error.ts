/**
 * The CLI's exit codes and the one error type that carries one. Scripts may rely on the codes:
 * they are documented in `lamina --help` and docs/cli.md and never change meaning.
 *
 * Invariant: every message says what was tried and what to do next.
 */
export const EXIT = {
  ok: 0,
  /** The API answered an error (validation, conflict, throttling…). */
  failed: 1,
  /** The command line or a file it names is wrong. */
  usage: 2,
  /** Nothing answered at the endpoint. */
  unreachable: 3,
  /** The function, version, alias or mapping does not exist. */
  notFound: 4,
  /** The function ran and failed (X-Amz-Function-Error). */
  functionError: 5,
  /** A template holds resources or properties this Lamina cannot honour (with --strict). */
  unsupported: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 the API answered an error, 2 usage, 3 endpoint unreachable,
4 not found, 5 the function failed, 6 unsupported template content (--strict).`;
