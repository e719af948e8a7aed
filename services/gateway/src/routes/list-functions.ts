/**
 * ListFunctions: every function's `$LATEST`, or with `FunctionVersion=ALL` every version of every
 * function (qualified ARNs), in one handler. Pages are ordered by name (then `$LATEST`, then
 * version number); the marker is the last row's key, so a page boundary never skips or repeats.
 */
import {
  type ArnContext,
  LaminaError,
  LATEST,
  toFunctionConfiguration,
  toVersionConfiguration,
} from '@lamina/core';
import type { Request, Response } from 'express';

import { queryString } from '../resolve-function.js';
import type { FunctionRouteDeps } from '../deps.js';
import { encodeMarker, pageOf } from './request-fields.js';

const NAME_MARKER = /^[a-zA-Z0-9_-]{1,64}$/;
const QUALIFIED_MARKER = /^[a-zA-Z0-9_-]{1,64}:(\$LATEST|[1-9][0-9]{0,9})$/;

interface Row {
  readonly key: string;
  readonly config: () => Record<string, unknown>;
}

const byName = <T extends { spec: { name: string } }>(a: T, b: T): number =>
  a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0;

/** One row per `$LATEST`, keyed by function name. */
function latestRows(deps: FunctionRouteDeps, arn: ArnContext): Row[] {
  return [...deps.functions.list()].sort(byName).map((latest) => ({
    key: latest.spec.name,
    config: () => toFunctionConfiguration(latest, arn, { listing: true }),
  }));
}

/** One row per `$LATEST` and per published version, keyed `name:qualifier`. */
function allVersionRows(deps: FunctionRouteDeps, arn: ArnContext): Row[] {
  return [...deps.functions.list()].sort(byName).flatMap((latest) => [
    {
      key: `${latest.spec.name}:${LATEST}`,
      config: () => toFunctionConfiguration(latest, arn, { qualified: true, listing: true }),
    },
    ...deps.versions.listVersions(latest.spec.name).map((v) => ({
      key: `${v.functionName}:${v.version}`,
      config: () => toVersionConfiguration(v, arn, v.version, { listing: true }),
    })),
  ]);
}

export function listFunctions(deps: FunctionRouteDeps, req: Request, res: Response): void {
  const arn: ArnContext = deps.config;
  const all = queryString(req, 'FunctionVersion') === 'ALL';
  const { max, after } = pageOf(req, all ? QUALIFIED_MARKER : NAME_MARKER);
  const rows = all ? allVersionRows(deps, arn) : latestRows(deps, arn);
  let start = 0;
  if (after !== undefined && all) {
    start = rows.findIndex((r) => r.key === after) + 1;
    if (start === 0) throw new LaminaError('InvalidParameterValueException', 'Invalid Marker.');
  } else if (after !== undefined) {
    // A function deleted since the last page: continue after where its name was.
    start = rows.findIndex((r) => r.key > after);
    if (start < 0) start = rows.length;
  }
  const page = rows.slice(start, start + max);
  const last = page.at(-1);
  res.json({
    Functions: page.map((r) => r.config()),
    ...(start + max < rows.length && last !== undefined
      ? { NextMarker: encodeMarker(last.key) }
      : {}),
  });
}
