/**
 * The JSON values the gateway keeps in a Function's annotations (tags, the resource policy),
 * read back leniently: an unreadable annotation is as good as none, never an error on a read.
 */
import type { FunctionPolicy } from '@lamina/core';

/** The tags annotation; anything but a map of strings reads as no tags. */
export function parseTags(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  } catch {
    return {};
  }
}

/** The policy annotation; unreadable or absent: no policy. */
export function policyOf(json: string | undefined): { policy?: FunctionPolicy } {
  if (json === undefined) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? { policy: v as FunctionPolicy }
      : {};
  } catch {
    return {};
  }
}
