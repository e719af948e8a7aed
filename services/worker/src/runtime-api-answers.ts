/** The Runtime API's fixed answers (reference §6), built once: bodies and outcomes. */
export const json = (o: object): Buffer => Buffer.from(JSON.stringify(o));
export const EMPTY = Buffer.alloc(0);
export const ACCEPTED = json({ status: 'OK' });
export const INVALID_ID = json({
  errorMessage: 'Invalid request ID',
  errorType: 'InvalidRequestID',
});
export const INVALID_STATE = json({
  errorMessage: 'State transition is not allowed',
  errorType: 'InvalidStateTransition',
});
/** A RuntimeOutcome: the runtime's answer was cut short. */
export const TRUNCATED = {
  kind: 'error',
  payload: json({
    errorType: 'Runtime.TruncatedResponse',
    errorMessage: 'The runtime closed the connection before its answer was complete.',
  }),
  errorType: 'Runtime.TruncatedResponse',
} as const;
export const NOT_FOUND = json({ errorMessage: 'Not found', errorType: 'NotFound' });
export const METHOD_NOT_ALLOWED = json({
  errorMessage: 'Method not allowed',
  errorType: 'MethodNotAllowed',
});
export const INVALID_UPGRADE = json({
  errorMessage: 'Unsupported protocol upgrade',
  errorType: 'BadRequest',
});
