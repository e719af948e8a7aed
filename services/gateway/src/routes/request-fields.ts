/**
 * Reading the fields of a management request the way Lambda validates them: the JSON body as an
 * object, nested structures, and the MaxItems/Marker paging of list calls. Shared by every route
 * so one condition gives one message everywhere.
 *
 * Invariants: validation failures are ValidationException (shape) or
 * InvalidParameterValueException (an unknown marker) with Lambda's wording; a page is at most
 * LIMITS.listMaxItems long whatever MaxItems asks for.
 */
import { LaminaError, LIMITS } from '@lamina/core';
import type { Request } from 'express';

import { queryString } from '../resolve-function.js';

export type Body = Record<string, unknown>;

/** The parsed JSON body as an object; anything else (absent, array, scalar) reads as `{}`. */
export function bodyOf(req: Request): Body {
  const b: unknown = req.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Body) : {};
}

/** A nested structure of the body; undefined when absent or null. */
export function structureField(body: Body, key: string): Body | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new LaminaError(
      'ValidationException',
      `'${key}' value failed to satisfy constraint: Member must be a structure`,
    );
  }
  return v as Body;
}

/** A version's or alias's Description: at most 256 characters; `fallback` when absent or null. */
export function descriptionOf<F extends string | undefined>(
  value: unknown,
  fallback: F,
): string | F {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || value.length > LIMITS.descriptionMaxLength) {
    throw new LaminaError(
      'ValidationException',
      `'Description' value failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.descriptionMaxLength}`,
    );
  }
  return value;
}

/** MaxItems (1–10000; pages are at most 50) and the Marker of a list call. */
export function pageOf(req: Request, marker: RegExp): { max: number; after: string | undefined } {
  const raw = queryString(req, 'MaxItems');
  let max: number = LIMITS.listMaxItems;
  if (raw !== undefined) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      throw new LaminaError(
        'ValidationException',
        "'MaxItems' value failed to satisfy constraint: Member must have value between 1 and 10000",
      );
    }
    max = Math.min(n, LIMITS.listMaxItems);
  }
  const m = queryString(req, 'Marker');
  if (m === undefined || m === '') return { max, after: undefined };
  const after = Buffer.from(m, 'base64url').toString('utf8');
  if (!marker.test(after))
    throw new LaminaError('InvalidParameterValueException', 'Invalid Marker.');
  return { max, after };
}

/** The NextMarker of a page that ends at `key`. */
export const encodeMarker = (key: string): string => Buffer.from(key).toString('base64url');
