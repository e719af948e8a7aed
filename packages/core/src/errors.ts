/**
 * The typed errors of the Lambda API. Each carries Lambda's exception name (sent as
 * X-Amzn-ErrorType), its HTTP status, whether retrying can help, and optional extra body
 * fields / headers. Names and statuses follow what AWS answers on the wire.
 */

export const ERROR_STATUS = {
  ResourceNotFoundException: 404,
  ProvisionedConcurrencyConfigNotFoundException: 404,
  InvalidRequestContentException: 400,
  ValidationException: 400,
  InvalidParameterValueException: 400,
  CodeStorageExceededException: 400,
  ResourceInUseException: 400,
  PreconditionFailedException: 412,
  RequestEntityTooLargeException: 413,
  UnsupportedMediaTypeException: 415,
  ResourceConflictException: 409,
  TooManyRequestsException: 429,
  ServiceException: 500,
  ResourceNotReadyException: 502,
  InvalidRuntimeException: 502,
  InvalidZipFileException: 502,
  // The environment's variables could not be decrypted at invoke (ADR 0046).
  KMSAccessDeniedException: 502,
  KMSDisabledException: 502,
  KMSInvalidStateException: 502,
  KMSNotFoundException: 502,
  // Authentication and authorisation (issue #18): what AWS answers before any Lambda operation.
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  ExpiredTokenException: 403,
  InvalidSignatureException: 403,
  AccessDeniedException: 403,
} as const satisfies Record<string, number>;

export type LambdaErrorName = keyof typeof ERROR_STATUS;

/** Lambda's 429 reasons. */
export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded'
  | 'ReservedFunctionInvocationRateLimitExceeded'
  | 'CallerRateLimitExceeded';

export interface LaminaErrorOptions {
  readonly cause?: unknown;
  readonly retriable?: boolean;
  /** Extra body fields, e.g. `Reason` of a 429. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The root of every error Lamina raises on purpose. */
export class LaminaError extends Error {
  override readonly name: LambdaErrorName;
  readonly status: number;
  readonly retriable: boolean;
  readonly fields: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(name: LambdaErrorName, message: string, options: LaminaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.status = ERROR_STATUS[name];
    this.retriable = options.retriable ?? this.status >= 500;
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }

  /** `User` for the caller's mistakes (4xx), `Service` for ours. */
  get type(): 'User' | 'Service' {
    return this.status >= 500 ? 'Service' : 'User';
  }

  /**
   * The JSON body. AWS spells the message key `Message` for ResourceNotFound, Service and KMS*
   * exceptions (the service model's shapes) and `message` for the others; SDKs read both.
   */
  toBody(): Record<string, string> {
    const key =
      this.name === 'ResourceNotFoundException' ||
      this.name === 'ServiceException' ||
      this.name.startsWith('KMS')
        ? 'Message'
        : 'message';
    return { ...this.fields, Type: this.type, [key]: this.message };
  }

  /** Normalises anything thrown into a LaminaError (unknown throws become ServiceException). */
  static from(err: unknown): LaminaError {
    if (err instanceof LaminaError) return err;
    return new ServiceException('An internal error occurred.', { cause: err });
  }
}

/** What `make` returns: spelled out so the emitted .d.ts keeps the `Error` ancestry. */
type LaminaErrorClass = new (message: string, options?: LaminaErrorOptions) => LaminaError;

const make = (name: LambdaErrorName): LaminaErrorClass =>
  class extends LaminaError {
    constructor(message: string, options?: LaminaErrorOptions) {
      super(name, message, options);
    }
  };

export class ResourceNotFoundException extends make('ResourceNotFoundException') {}
export class InvalidRequestContentException extends make('InvalidRequestContentException') {}
export class ValidationException extends make('ValidationException') {}
export class InvalidParameterValueException extends make('InvalidParameterValueException') {}
export class CodeStorageExceededException extends make('CodeStorageExceededException') {}
export class ResourceInUseException extends make('ResourceInUseException') {}
export class PreconditionFailedException extends make('PreconditionFailedException') {}
export class RequestEntityTooLargeException extends make('RequestEntityTooLargeException') {}
export class UnsupportedMediaTypeException extends make('UnsupportedMediaTypeException') {}
export class ResourceConflictException extends make('ResourceConflictException') {}
export class ServiceException extends make('ServiceException') {}
export class ResourceNotReadyException extends make('ResourceNotReadyException') {}
export class InvalidRuntimeException extends make('InvalidRuntimeException') {}
export class InvalidZipFileException extends make('InvalidZipFileException') {}
export class MissingAuthenticationTokenException extends make(
  'MissingAuthenticationTokenException',
) {}
export class IncompleteSignatureException extends make('IncompleteSignatureException') {}
export class UnrecognizedClientException extends make('UnrecognizedClientException') {}
export class ExpiredTokenException extends make('ExpiredTokenException') {}
export class InvalidSignatureException extends make('InvalidSignatureException') {}
export class AccessDeniedException extends make('AccessDeniedException') {}
export class ProvisionedConcurrencyConfigNotFoundException extends make(
  'ProvisionedConcurrencyConfigNotFoundException',
) {}

/**
 * Lambda's texts of a 429, one place: a concurrency or invocation-rate throttle says
 * `Rate Exceeded.`, a throttled control-plane caller (`CallerRateLimitExceeded`) `Rate exceeded`.
 */
export const THROTTLE_TEXT = {
  invocation: 'Rate Exceeded.',
  caller: 'Rate exceeded',
} as const;

/** The text Lambda gives a throttle of this reason. */
export function throttleText(reason: ThrottleReason): string {
  return reason === 'CallerRateLimitExceeded' ? THROTTLE_TEXT.caller : THROTTLE_TEXT.invocation;
}

export class TooManyRequestsException extends LaminaError {
  readonly reason: ThrottleReason;
  constructor(reason: ThrottleReason, retryAfterSeconds = 1, message = throttleText(reason)) {
    super('TooManyRequestsException', message, {
      retriable: true,
      fields: { Reason: reason },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
    this.reason = reason;
  }
}
