/**
 * PublishLayerVersion: validates the body like Lambda, stores the zip in the content-addressed
 * code store (the same store as function code: one copy per content), then records the new
 * version with the next number of that layer.
 *
 * Invariants: the zip is stored before the record, so a layer version never names missing
 * content; Content from S3 is read like a function's code from S3; Content.CodeSha256 is the
 * base64 SHA-256 of the zip as uploaded.
 */
import {
  type ArnContext,
  type CodeStore,
  lambdaTimestamp,
  LaminaError,
  type LayerStore,
  parseLayerName,
  toLayerVersionOutput,
  type ZipSource,
} from '@lamina/core';
import type { Request, Response } from 'express';

import type { Clock } from '../deps.js';
import { codeLocation } from './code.js';
import { type Body, bodyOf, descriptionOf, structureField } from './request-fields.js';
import { pathParam } from '../resolve-function.js';
import type { S3CodeSource } from '../code/s3-code-source.js';
import { zipOfCode } from './zip-upload.js';

export interface LayerRouteDeps {
  readonly config: ArnContext;
  readonly layers: LayerStore;
  readonly code: Pick<CodeStore, 'putZip'>;
  readonly clock: Clock;
  /** Absent: Content from S3 is refused (400). */
  readonly s3Code?: S3CodeSource;
}

const ARCHITECTURES = new Set(['x86_64', 'arm64']);
const RUNTIME_ID = /^[a-z0-9.]{1,64}$/;
const LICENSE_MAX = 512;

function invalid(field: string, rule: string): LaminaError {
  return new LaminaError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

/** A list member of strings, each passing `ok`, at most `max` long. */
function stringList(
  b: Body,
  key: string,
  field: string,
  max: number,
  ok: (v: string) => boolean,
  rule: string,
): string[] {
  const v = b[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !ok(x))) {
    throw invalid(field, rule);
  }
  if (v.length > max) throw invalid(field, `Member must have length less than or equal to ${max}`);
  return [...new Set(v as string[])];
}

/** Content.ZipFile's bytes, or the S3 object Content.S3Bucket/S3Key/S3ObjectVersion names. */
async function contentOf(b: Body, s3: S3CodeSource | undefined): Promise<ZipSource> {
  const content = structureField(b, 'Content');
  if (content === undefined) throw invalid('content', 'Member must not be null');
  return zipOfCode(content, 'Content.', s3);
}

export async function publishLayerVersion(
  deps: LayerRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const layerName = parseLayerName(pathParam(req, 'layerName'));
  const b = bodyOf(req);
  const description = descriptionOf(b['Description'], '');
  const license = b['LicenseInfo'];
  if (license !== undefined && license !== null) {
    if (typeof license !== 'string' || license.length > LICENSE_MAX)
      throw invalid('licenseInfo', `Member must have length less than or equal to ${LICENSE_MAX}`);
  }
  const runtimes = stringList(
    b,
    'CompatibleRuntimes',
    'compatibleRuntimes',
    15,
    (r) => RUNTIME_ID.test(r),
    'Member must satisfy enum value set of runtime identifiers',
  );
  const architectures = stringList(
    b,
    'CompatibleArchitectures',
    'compatibleArchitectures',
    2,
    (a) => ARCHITECTURES.has(a),
    'Member must satisfy enum value set: [x86_64, arm64]',
  );
  const zip = await contentOf(b, deps.s3Code);
  const artifact = await deps.code.putZip(zip);
  const createdDate = lambdaTimestamp(new Date(deps.clock.now()));
  const record = await deps.layers.publish(layerName, (version) => ({
    layerName,
    version,
    description,
    createdDate,
    compatibleRuntimes: runtimes,
    compatibleArchitectures: architectures,
    ...(typeof license === 'string' ? { licenseInfo: license } : {}),
    sha256: artifact.sha256,
    size: artifact.size,
  }));
  res
    .status(201)
    .json(toLayerVersionOutput(record, deps.config, (r) => codeLocation(req, r.sha256)));
}
