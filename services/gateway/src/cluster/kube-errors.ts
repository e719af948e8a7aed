import {
  InvalidParameterValueException,
  LaminaError,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
} from '@lamina/core';

/** A Kubernetes `Status` answer, as much of it as the mapping needs. */
export interface KubeStatus {
  readonly code: number;
  readonly reason: string | undefined;
  readonly message: string | undefined;
}

/** What the caller was doing, so the Lambda error can name it. */
export interface KubeErrorContext {
  /** e.g. `Function not found: arn:…` for a 404. */
  readonly notFound: string;
  /** e.g. `Function already exist: hello` for an AlreadyExists 409. */
  readonly alreadyExists: string;
}

/**
 * Reads the HTTP code and `Status` body of a client-node error (ApiException keeps the body as
 * a JSON string or an object); undefined when `err` did not come from the API server.
 */
export function kubeStatusOf(err: unknown): KubeStatus | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number' || code < 100 || code > 599) return undefined;
  let body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      body = undefined;
    }
  }
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { code, reason: str(b['reason']), message: str(b['message']) };
}

/** True for a 409 Conflict on a resourceVersion precondition (someone wrote first). */
export function isStaleWrite(err: unknown): boolean {
  const s = kubeStatusOf(err);
  return s?.code === 409 && s.reason !== 'AlreadyExists';
}

export function isAlreadyExists(err: unknown): boolean {
  const s = kubeStatusOf(err);
  return s?.code === 409 && s.reason === 'AlreadyExists';
}

export function isNotFound(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 404;
}

/**
 * The Invalid (422) message of the API server, without the object's kind and name prefix:
 * `Function.lamina.dev "x" is invalid: spec.memorySize: Invalid value: 64: … should be
 * greater than or equal to 128` becomes `spec.memorySize: Invalid value: 64: …`.
 */
export function invalidMessage(message: string): string {
  const cut = message.indexOf(' is invalid: ');
  return cut < 0 ? message : message.slice(cut + ' is invalid: '.length);
}

/**
 * The one place Kubernetes answers become Lambda errors (like faas-netes' handlers/errors.go):
 * 404 → ResourceNotFoundException, AlreadyExists → ResourceConflictException, a stale
 * resourceVersion → PreconditionFailedException, Invalid/BadRequest → InvalidParameterValue
 * with the API server's message, anything else → ServiceException (retriable).
 */
export function toLambdaError(err: unknown, ctx: KubeErrorContext): LaminaError {
  if (err instanceof LaminaError) return err;
  const s = kubeStatusOf(err);
  if (s === undefined) {
    return new ServiceException('The Kubernetes API server could not be reached.', {
      cause: err,
    });
  }
  if (s.code === 404) return new ResourceNotFoundException(ctx.notFound, { cause: err });
  if (s.code === 409 && s.reason === 'AlreadyExists') {
    return new ResourceConflictException(ctx.alreadyExists, { cause: err });
  }
  if (s.code === 409) {
    return new PreconditionFailedException(
      'The resource was changed by another request. Get it again and retry.',
      { cause: err },
    );
  }
  if (s.code === 422 || s.code === 400) {
    return new InvalidParameterValueException(invalidMessage(s.message ?? 'Invalid request.'), {
      cause: err,
    });
  }
  return new ServiceException(
    `The Kubernetes API server answered ${s.code}${s.reason === undefined ? '' : ` ${s.reason}`}: ${s.message ?? 'no message'}`,
    { cause: err },
  );
}
