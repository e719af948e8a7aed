/**
 * CreateFunction: validates the body like Lambda, stores the zip in the code store (an image
 * function, PackageType Image, stores only its ImageUri: ADR 0028), writes the `$LATEST` record,
 * and publishes version 1 when `Publish` is true. The answer is the record as created: `Pending`
 * with AWS's reason (ADR 0033) until the mode's transition makes it Active.
 *
 * Invariant: the code is stored before the record, so a record never names missing code.
 */
import { randomUUID } from 'node:crypto';

import {
  type FunctionCode,
  type FunctionRecord,
  functionExists,
  type FunctionSpec,
  LaminaError,
  lambdaTimestamp,
  mergeTags,
  parseImageConfig,
  parseLoggingConfig,
  PENDING_CREATE,
  tagMap,
  parsePackageType,
  parseVpcConfig,
  toFunctionConfiguration,
  toVersionConfiguration,
  validateFunctionSpec,
  type ZipSource,
} from '@lamina/core';
import type { Request, Response } from 'express';

import { requestContext } from '../http/request-context.js';
import { resolveFunctionLayers } from '../layers/function-layers.js';
import { publishVersion } from '../publish-version.js';
import type { FunctionRouteDeps } from '../deps.js';
import { assertNoImageUri, imageCodeOf } from './image-code.js';
import { type Body, structureField } from './request-fields.js';
import { zipOfCode } from './zip-upload.js';

/** CreateFunction's Tags, under Lambda's tag rules (core's tags.ts). */
function tagsOf(body: Body): Record<string, string> {
  return mergeTags({}, tagMap(body['Tags']));
}

/** The `Code` structure; required. */
function codeFieldsOf(body: Body): Body {
  const code = structureField(body, 'Code');
  if (code === undefined) {
    throw new LaminaError(
      'ValidationException',
      "'Code' value failed to satisfy constraint: Member must not be null",
    );
  }
  return code;
}

/** Code.ImageUri of an image function (its code, already), else the zip (ZipFile or S3). */
async function codeOf(
  spec: FunctionSpec,
  b: Body,
  deps: FunctionRouteDeps,
): Promise<FunctionCode | ZipSource> {
  const fields = codeFieldsOf(b);
  if (spec.packageType === 'Image') return imageCodeOf(fields);
  assertNoImageUri(fields, 'Zip');
  return zipOfCode(fields, 'Code.', deps.s3Code);
}

/** The zip put into the code store; an image function's code as it is. */
async function storedCode(
  deps: FunctionRouteDeps,
  code: FunctionCode | ZipSource,
): Promise<FunctionCode> {
  if (!Buffer.isBuffer(code) && !('path' in code)) return code;
  const artifact = await deps.code.putZip(code);
  return { sha256: artifact.sha256, size: artifact.size, location: artifact.dir };
}

/** The request body as an object; a missing one names the first required member. */
function createBodyOf(req: Request): Body {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LaminaError(
      'ValidationException',
      "'FunctionName' value failed to satisfy constraint: Member must not be null",
    );
  }
  return body as Body;
}

function specOf(b: Body, deps: FunctionRouteDeps): FunctionSpec {
  const environment = structureField(b, 'Environment');
  const storage = structureField(b, 'EphemeralStorage');
  return validateFunctionSpec(
    {
      name: b['FunctionName'],
      runtime: b['Runtime'],
      handler: b['Handler'],
      description: b['Description'],
      role: b['Role'],
      memorySize: b['MemorySize'],
      timeout: b['Timeout'],
      ephemeralStorage: storage?.['Size'],
      environment: environment?.['Variables'],
      architectures: b['Architectures'],
      deadLetterTargetArn: structureField(b, 'DeadLetterConfig')?.['TargetArn'],
      layers: resolveFunctionLayers(b['Layers'], deps.layers, deps.config),
      packageType: parsePackageType(b['PackageType']),
      imageConfig: parseImageConfig(b['ImageConfig']),
      logging: parseLoggingConfig(b['LoggingConfig'], undefined),
      kmsKeyArn: b['KMSKeyArn'],
      vpcConfig: parseVpcConfig(b['VpcConfig']),
    },
    deps.runtimes,
  );
}

export async function createFunction(
  deps: FunctionRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functions, config: arn } = deps;
  const b = createBodyOf(req);
  const spec = specOf(b, deps);
  requestContext(res, deps.logger).functionName = spec.name;
  const tags = tagsOf(b);
  if (functions.get(spec.name) !== undefined) throw functionExists(spec.name);
  const given = await codeOf(spec, b, deps);
  const record: FunctionRecord = {
    spec,
    code: await storedCode(deps, given),
    lastModified: lambdaTimestamp(new Date(deps.clock.now())),
    revisionId: randomUUID(),
    ...PENDING_CREATE,
    tags,
    source: 'api',
  };
  await functions.create(record);
  // Pending until the code is in place: this process (local mode) or the operator says when.
  deps.transitions.begin(spec.name);
  if (b['Publish'] === true) {
    const version = await publishVersion(deps, arn, spec.name, {});
    res.status(201).json(toVersionConfiguration(version, arn));
    return;
  }
  // The record as created (Pending): the transition may already have run in a fast store.
  res.status(201).json(toFunctionConfiguration(record, arn));
}
