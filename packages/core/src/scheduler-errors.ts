/**
 * The errors of the EventBridge Scheduler API, which are not Lambda's: other names
 * (`ConflictException`, `InternalServerException`), other statuses, and a body `{"Message": …}`
 * (botocore `scheduler/2021-06-30/service-2.json`). The gateway's Scheduler routes answer with
 * these; the name travels in X-Amzn-ErrorType like every rest-json error.
 */
export const SCHEDULER_ERROR_STATUS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
} as const;

export type SchedulerErrorName = keyof typeof SCHEDULER_ERROR_STATUS;

export class SchedulerError extends Error {
  override readonly name: SchedulerErrorName;
  readonly status: number;

  constructor(name: SchedulerErrorName, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = name;
    this.status = SCHEDULER_ERROR_STATUS[name];
  }

  /** The wire body. */
  toBody(): { Message: string } {
    return { Message: this.message };
  }
}

export const schedulerValidation = (message: string): SchedulerError =>
  new SchedulerError('ValidationException', message);
