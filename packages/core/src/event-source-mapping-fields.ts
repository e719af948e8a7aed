import { InvalidParameterValueException, ValidationException } from './errors.js';

/**
 * Field readers shared by the Kafka and SQS variants of CreateEventSourceMapping: Lambda's
 * errors for a wrong type (InvalidParameterValueException) and a value out of range
 * (ValidationException naming the camelCase member, as Lambda's model validation does).
 */

export type Input = Readonly<Record<string, unknown>>;

export const obj = (v: unknown): Input =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Input) : {};

/** An integer in [min, max], or undefined when absent; `field` names it in the error. */
export function intField(
  input: Input,
  key: string,
  min: number,
  max: number,
  field = key.charAt(0).toLowerCase() + key.slice(1),
): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new InvalidParameterValueException(`${key} must be an integer.`);
  if (v < min || v > max) {
    const bound = v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw new ValidationException(
      `1 validation error detected: Value '${v}' at '${field}' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  return v;
}

export function boolField(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InvalidParameterValueException(`${key} must be a boolean.`);
  return v;
}

/** FunctionResponseTypes: absent, or a list of ReportBatchItemFailures only. */
export function responseTypesField(input: Input): 'ReportBatchItemFailures'[] | undefined {
  const types = input['FunctionResponseTypes'];
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.some((t) => t !== 'ReportBatchItemFailures'))
    throw new InvalidParameterValueException(
      'FunctionResponseTypes must contain only ReportBatchItemFailures.',
    );
  return types as 'ReportBatchItemFailures'[];
}
