import { createHash } from 'node:crypto';

import type { FunctionSettings } from './function-settings.js';
import type { FunctionSpec } from './function-spec.js';
import { imageConfigResponse } from './image-function.js';
import { loggingConfigResponse } from './logging-config.js';
import type { FunctionPolicy } from './resource-policy.js';
import { type ArnContext, functionArn, LATEST } from './names.js';
import { vpcConfigJson } from './vpc-kms-config.js';

export type FunctionState = 'Pending' | 'Active' | 'Inactive' | 'Failed';
export type LastUpdateStatus = 'Successful' | 'Failed' | 'InProgress';

/** The code of a function: a content-addressed package. */
export interface FunctionCode {
  /** base64 SHA-256 of the package as uploaded (Lambda's CodeSha256). */
  readonly sha256: string;
  readonly size: number;
  /**
   * Where the unpacked code lives (a directory of the code store or a local folder); for an
   * image function, the image reference.
   */
  readonly location: string;
  /**
   * Code.ImageUri of a container-image function; `sha256` is then the base64 of its identity
   * (core's `imageIdentityHex`) and `size` 0.
   */
  readonly imageUri?: string;
}

/** Lambda's CodeSha256: base64 for a zip, the image digest in hex for an image function. */
export function codeSha256Of(code: FunctionCode): string {
  return code.imageUri === undefined
    ? code.sha256
    : Buffer.from(code.sha256, 'base64').toString('hex');
}

/** A function's `$LATEST` as a definition store keeps it. */
export interface FunctionRecord {
  readonly spec: FunctionSpec;
  readonly code: FunctionCode;
  /** Lambda's timestamp format: 2020-04-10T19:06:32.563+0000. */
  readonly lastModified: string;
  readonly revisionId: string;
  readonly state: FunctionState;
  readonly stateReason?: string;
  readonly stateReasonCode?: string;
  readonly lastUpdateStatus: LastUpdateStatus;
  readonly lastUpdateStatusReason?: string;
  readonly lastUpdateStatusReasonCode?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Where the definition came from: the management API or a manifest file. */
  readonly source: 'api' | 'manifest';
  /** Resource-based policy statements per qualifier (AddPermission); absent: none. */
  readonly policy?: FunctionPolicy;
  /** Runtime management and recursion settings; absent: Lambda's defaults (Auto, Terminate). */
  readonly settings?: FunctionSettings;
}

/** `2020-04-10T19:06:32.563+0000` */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/**
 * The RuntimeVersionArn AWS shows (`arn:aws:lambda:<region>::runtime:<64 hex>`): here a hash of
 * the runtime id, stable for as long as the runtime's image or interpreter is the same id.
 */
export function runtimeVersionArn(ctx: ArnContext, runtime: string): string {
  const digest = createHash('sha256').update(`lamina-runtime:${runtime}`).digest('hex');
  return `arn:aws:lambda:${ctx.region}::runtime:${digest}`;
}

/** The FunctionConfiguration JSON of the Lambda API. */
export function toFunctionConfiguration(
  record: FunctionRecord,
  ctx: ArnContext,
  options: { qualified?: boolean; listing?: boolean } = {},
): Record<string, unknown> {
  const s = record.spec;
  const config: Record<string, unknown> = {
    FunctionName: s.name,
    FunctionArn: functionArn(ctx, s.name, options.qualified === true ? LATEST : undefined),
    // An image function has neither (Lambda leaves both out).
    ...(s.packageType === 'Image' ? {} : { Runtime: s.runtime }),
    Role: s.role,
    ...(s.packageType === 'Image' ? {} : { Handler: s.handler }),
    CodeSize: record.code.size,
    Description: s.description,
    Timeout: s.timeout,
    MemorySize: s.memorySize,
    LastModified: record.lastModified,
    CodeSha256: codeSha256Of(record.code),
    Version: LATEST,
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: record.revisionId,
    PackageType: s.packageType ?? 'Zip',
    Architectures: [...s.architectures],
    EphemeralStorage: { Size: s.ephemeralStorage },
    LoggingConfig: loggingConfigResponse(s.name, s.logging),
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(ctx, s.runtime) },
  };
  // AWS leaves Environment out when no variable was set.
  if (Object.keys(s.environment).length > 0 || s.environmentError !== undefined)
    config['Environment'] = {
      Variables: { ...s.environment },
      ...(s.environmentError === undefined
        ? {}
        : {
            Error: { ErrorCode: s.environmentError.errorCode, Message: s.environmentError.message },
          }),
    };
  if (s.layers !== undefined && s.layers.length > 0)
    config['Layers'] = s.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  if (s.imageConfig !== undefined)
    config['ImageConfigResponse'] = imageConfigResponse(s.imageConfig);
  if (s.deadLetterTargetArn !== undefined)
    config['DeadLetterConfig'] = { TargetArn: s.deadLetterTargetArn };
  if (s.kmsKeyArn !== undefined) config['KMSKeyArn'] = s.kmsKeyArn;
  if (s.vpcConfig !== undefined) config['VpcConfig'] = vpcConfigJson(s.vpcConfig);
  // ListFunctions leaves out the state fields (reference §2).
  // A function being created shows no LastUpdateStatus yet, as on AWS.
  if (options.listing !== true) {
    config['State'] = record.state;
    if (record.stateReason !== undefined) config['StateReason'] = record.stateReason;
    if (record.stateReasonCode !== undefined) config['StateReasonCode'] = record.stateReasonCode;
    if (record.state !== 'Pending') {
      config['LastUpdateStatus'] = record.lastUpdateStatus;
      if (record.lastUpdateStatusReason !== undefined)
        config['LastUpdateStatusReason'] = record.lastUpdateStatusReason;
      if (record.lastUpdateStatusReasonCode !== undefined)
        config['LastUpdateStatusReasonCode'] = record.lastUpdateStatusReasonCode;
    }
  }
  return config;
}
