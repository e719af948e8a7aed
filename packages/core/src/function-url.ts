/**
 * Function URLs (issue #19 item 2): a dedicated HTTP endpoint per function (`$LATEST`, no
 * qualifier) or per alias, with its AuthType, Cors and InvokeMode. This module is the pure half:
 * the stored record, the store contract, the request fields checked as Lambda checks them
 * (botocore's lambda service-2.json shapes) and the wire shape of a FunctionUrlConfig.
 *
 * Invariants: at most one record per (function, qualifier); a record's qualifier is undefined
 * (the unqualified function) or an alias name, never a version number (Lambda's pattern
 * `((?!^\d+$)^[0-9a-zA-Z-_]+$)` refuses versions and `$LATEST` alike); `urlId` is unique across
 * functions and never changes while the record exists.
 */
import {
  ResourceConflictException,
  ResourceNotFoundException,
  ValidationException,
} from './errors.js';
import { type ArnContext, functionArn } from './names.js';

export type FunctionUrlAuthType = 'NONE' | 'AWS_IAM';
export type FunctionUrlInvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

export interface FunctionUrlCors {
  readonly AllowCredentials?: boolean;
  readonly AllowHeaders?: readonly string[];
  readonly AllowMethods?: readonly string[];
  readonly AllowOrigins?: readonly string[];
  readonly ExposeHeaders?: readonly string[];
  readonly MaxAge?: number;
}

/** One function URL as stored. */
export interface FunctionUrlRecord {
  /** The URL's own id (32 lowercase letters and digits, as AWS's `<url-id>`). */
  readonly urlId: string;
  readonly functionName: string;
  /** An alias name; undefined for the unqualified function (`$LATEST`). */
  readonly qualifier?: string;
  readonly authType: FunctionUrlAuthType;
  readonly cors?: FunctionUrlCors;
  readonly invokeMode: FunctionUrlInvokeMode;
  /** ISO-8601 with microseconds, as Lambda writes them (`2021-10-31T12:00:00.000000Z`). */
  readonly creationTime: string;
  readonly lastModifiedTime: string;
  /** Local mode: the loopback port its listener answers on (kept across restarts). */
  readonly port?: number;
}

/** Where the records live: a JSON file (local mode) or Redis (cluster mode). */
export interface FunctionUrlStore {
  get(functionName: string, qualifier: string | undefined): Promise<FunctionUrlRecord | undefined>;
  byId(urlId: string): Promise<FunctionUrlRecord | undefined>;
  /** The function's URLs, the unqualified one first, then by alias name. */
  list(functionName: string): Promise<readonly FunctionUrlRecord[]>;
  /** Every record (local mode opens a listener per record at start). */
  all(): Promise<readonly FunctionUrlRecord[]>;
  put(record: FunctionUrlRecord): Promise<void>;
  /** Returns the record removed, if any. */
  delete(
    functionName: string,
    qualifier: string | undefined,
  ): Promise<FunctionUrlRecord | undefined>;
}

const QUALIFIER = /^[0-9a-zA-Z_-]{1,128}$/;
const DIGITS = /^\d+$/;

/** The Qualifier of a function URL operation: absent, or an alias name. */
export function parseFunctionUrlQualifier(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!QUALIFIER.test(value) || DIGITS.test(value)) {
    throw new ValidationException(
      `1 validation error detected: Value '${value}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)`,
    );
  }
  return value;
}

const constraint = (field: string, rule: string): Error =>
  new ValidationException(
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${rule}`,
  );

function enumField<T extends string>(value: unknown, field: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new ValidationException(
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
    );
  }
  return value as T;
}

function stringList(value: unknown, field: string, maxItems: number, maxLength: number): string[] {
  if (!Array.isArray(value)) throw constraint(`cors.${field}`, 'Member must be a list');
  if (value.length > maxItems) {
    throw constraint(`cors.${field}`, `Member must have length less than or equal to ${maxItems}`);
  }
  return value.map((v: unknown) => {
    if (typeof v !== 'string' || v.length > maxLength) {
      throw constraint(
        `cors.${field}`,
        `Member must satisfy constraint: [Member must have length less than or equal to ${maxLength}]`,
      );
    }
    return v;
  });
}

/** The Cors structure, each member checked; undefined when absent or null. */
export function parseFunctionUrlCors(value: unknown): FunctionUrlCors | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw constraint('cors', 'Member must be a structure');
  }
  const v = value as Record<string, unknown>;
  const cors: Record<string, unknown> = {};
  if (v['AllowCredentials'] !== undefined && v['AllowCredentials'] !== null) {
    if (typeof v['AllowCredentials'] !== 'boolean') {
      throw constraint('cors.allowCredentials', 'Member must be a boolean');
    }
    cors['AllowCredentials'] = v['AllowCredentials'];
  }
  const lists: [string, number, number][] = [
    ['AllowHeaders', 100, 1024],
    ['AllowMethods', 6, 6],
    ['AllowOrigins', 100, 253],
    ['ExposeHeaders', 100, 1024],
  ];
  for (const [field, maxItems, maxLength] of lists) {
    const raw = v[field];
    if (raw !== undefined && raw !== null)
      cors[field] = stringList(raw, field, maxItems, maxLength);
  }
  const maxAge = v['MaxAge'];
  if (maxAge !== undefined && maxAge !== null) {
    if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 86400) {
      throw constraint('cors.maxAge', 'Member must have value between 0 and 86400');
    }
    cors['MaxAge'] = maxAge;
  }
  return cors;
}

/** The fields a Create (AuthType required) or an Update (all optional) sets. */
export interface FunctionUrlFields {
  readonly authType?: FunctionUrlAuthType;
  readonly cors?: FunctionUrlCors;
  readonly invokeMode?: FunctionUrlInvokeMode;
  /** True when the body named Cors (Update replaces it, even with an empty structure). */
  readonly corsGiven: boolean;
}

export function parseFunctionUrlFields(
  body: Record<string, unknown>,
  op: 'create' | 'update',
): FunctionUrlFields {
  const auth = body['AuthType'];
  if (op === 'create' && (auth === undefined || auth === null)) {
    throw new ValidationException(
      "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
    );
  }
  const mode = body['InvokeMode'];
  const cors = parseFunctionUrlCors(body['Cors']);
  return {
    ...(auth === undefined || auth === null
      ? {}
      : { authType: enumField(auth, 'authType', ['NONE', 'AWS_IAM'] as const) }),
    ...(mode === undefined || mode === null
      ? {}
      : { invokeMode: enumField(mode, 'invokeMode', ['BUFFERED', 'RESPONSE_STREAM'] as const) }),
    ...(cors === undefined ? {} : { cors }),
    corsGiven: cors !== undefined,
  };
}

/** Lambda's timestamp for these configs: ISO-8601 with microseconds. */
export const functionUrlTimestamp = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The FunctionUrlConfig wire shape (Create omits LastModifiedTime, as Lambda does). */
export function toFunctionUrlConfig(
  record: FunctionUrlRecord,
  url: string,
  ctx: ArnContext,
  options: { created?: boolean } = {},
): Record<string, unknown> {
  return {
    FunctionUrl: url,
    FunctionArn: functionArn(ctx, record.functionName, record.qualifier),
    AuthType: record.authType,
    ...(record.cors === undefined ? {} : { Cors: record.cors }),
    CreationTime: record.creationTime,
    ...(options.created === true ? {} : { LastModifiedTime: record.lastModifiedTime }),
    InvokeMode: record.invokeMode,
  };
}

export const functionUrlNotFound = (): Error =>
  new ResourceNotFoundException('The resource you requested does not exist.');

export const functionUrlExists = (ctx: ArnContext, fn: string, qualifier?: string): Error =>
  new ResourceConflictException(
    `Failed to create function url config for [functionArn = ${functionArn(ctx, fn, qualifier)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
  );

/** The Redis layout of cluster mode's function URLs: records by (function, qualifier), ids. */
export function functionUrlKeys(prefix = 'lamina') {
  const base = `${prefix}:v1:{function-urls}`;
  return { records: `${base}:records`, ids: `${base}:ids` } as const;
}
export type FunctionUrlKeys = ReturnType<typeof functionUrlKeys>;
