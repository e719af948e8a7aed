import { UPDATE_CODE_ZIP_PATH } from '../code/upload-decode.js';
import { randomUUID } from 'node:crypto';

import {
  type ArnContext,
  assertNotTransitioning,
  assertRevision,
  codeSha256Of,
  type FunctionCode,
  type FunctionRecord,
  lambdaTimestamp,
  LaminaError,
  type LayerStore,
  LIMITS,
  parseImageConfig,
  parseVpcConfig,
  toFunctionConfiguration,
  toVersionConfiguration,
  UPDATE_IN_PROGRESS,
  parseLoggingConfig,
  validateFunctionSpec,
  type VersionStore,
  withState,
} from '@lamina/core';
import { Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import { publishVersion, resolveUnqualified } from '../publish-version.js';
import { requestContext } from '../http/request-context.js';
import { resolveFunctionLayers } from '../layers/function-layers.js';
import type { CodeFreezer } from '../code/code-snapshots.js';
import { type Body, bodyOf, structureField } from './request-fields.js';
import { assertNoImageUri, imageCodeOf } from './image-code.js';
import { discardZip, zipDigest, zipOfCode } from './zip-upload.js';
import type { CodeStorageGuard } from '../code/code-storage-quota.js';
import type { StateTransitions } from '../state-transitions.js';

export type UpdateFunctionRouteDeps = Pick<
  AppDeps,
  'config' | 'functions' | 'code' | 'logger' | 'runtimes' | 's3Code'
> & {
  readonly versions: VersionStore;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
  readonly layers: Pick<LayerStore, 'get'>;
  /** PublishVersion counts a new version's code (code-storage-quota.ts). */
  readonly codeStorage?: CodeStorageGuard;
  readonly transitions: StateTransitions;
};

const CONFIG_BODY_LIMIT = 256 * 1024;

function flag(body: Body, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') {
    throw new LaminaError(
      'ValidationException',
      `'${key}' value failed to satisfy constraint: Member must be a boolean`,
    );
  }
  return v;
}

/**
 * UpdateFunctionCode and UpdateFunctionConfiguration: change `$LATEST` (never a version),
 * under the optional RevisionId precondition (412 when stale), checked against the record as
 * the store holds it while it writes; refused (409) while a create or another update is in
 * progress. The change is stored `InProgress` and the mode's transition completes it (ADR 0033).
 * `Publish: true` then publishes a version.
 */
export function updateFunctionRoutes(deps: UpdateFunctionRouteDeps): Router {
  const { config, functions, code, logger, runtimes, clock } = deps;
  const arn: ArnContext = config;
  const router = Router();

  const store = async (
    name: string,
    revisionId: unknown,
    change: (current: FunctionRecord) => FunctionRecord,
  ): Promise<FunctionRecord> => {
    const stored = await functions.update(name, (current) => {
      assertNotTransitioning(arn, current);
      assertRevision(revisionId, current.revisionId, 'function');
      return withState(
        {
          ...change(current),
          revisionId: randomUUID(),
          lastModified: lambdaTimestamp(new Date(clock.now())),
        },
        UPDATE_IN_PROGRESS,
      );
    });
    deps.transitions.begin(name);
    return stored;
  };

  const answer = async (
    res: import('express').Response,
    record: FunctionRecord,
    publish: boolean,
  ): Promise<void> => {
    if (!publish) {
      res.json(toFunctionConfiguration(record, arn));
      return;
    }
    // The RevisionId was checked by the update; the transition may have renewed it since.
    const version = await publishVersion(deps, arn, record.spec.name, {});
    res.json(toVersionConfiguration(version, arn));
  };

  router.put(
    '/2015-03-31/functions/:name/code',
    jsonBody('UpdateFunctionCode', LIMITS.createFunctionRequestMaxBytes, UPDATE_CODE_ZIP_PATH),
    async (req, res) => {
      const latest = resolveUnqualified(req, functions, arn);
      const name = latest.spec.name;
      requestContext(res, logger).functionName = name;
      const b = bodyOf(req);
      // An image function takes a new ImageUri (a rollout of the new image), a Zip one a zip.
      const image = latest.spec.packageType === 'Image' ? imageCodeOf(b) : undefined;
      if (image === undefined) assertNoImageUri(b, 'Zip');
      const architectures = b['Architectures'];
      if (architectures !== undefined && architectures !== null) {
        validateFunctionSpec({ ...specInput(latest), architectures }, runtimes);
      }
      const dryRun = flag(b, 'DryRun');
      // Read (from S3: spooled) only once the request is otherwise valid.
      const zip = image === undefined ? await zipOfCode(b, '', deps.s3Code) : undefined;
      if (dryRun) {
        // Validate only: nothing is stored.
        await discardZip(zip);
        assertRevision(b['RevisionId'], latest.revisionId, 'function');
        const digest = zip === undefined ? undefined : zipDigest(zip);
        res.json({
          ...toFunctionConfiguration(latest, arn),
          CodeSha256: digest?.sha256 ?? codeSha256Of(image ?? latest.code),
          CodeSize: digest?.size ?? 0,
        });
        return;
      }
      const artifact = zip === undefined ? undefined : await code.putZip(zip);
      const next: FunctionCode =
        artifact === undefined
          ? (image ?? latest.code)
          : { sha256: artifact.sha256, size: artifact.size, location: artifact.dir };
      const record = await store(name, b['RevisionId'], (current) => ({ ...current, code: next }));
      await answer(res, record, flag(b, 'Publish'));
    },
  );

  router.put(
    '/2015-03-31/functions/:name/configuration',
    jsonBody('UpdateFunctionConfiguration', CONFIG_BODY_LIMIT),
    async (req, res) => {
      const latest = resolveUnqualified(req, functions, arn);
      const name = latest.spec.name;
      requestContext(res, logger).functionName = name;
      const b = bodyOf(req);
      const environment = structureField(b, 'Environment');
      const storage = structureField(b, 'EphemeralStorage');
      const deadLetter = structureField(b, 'DeadLetterConfig');
      const given = (key: string): Record<string, unknown> => {
        const v = b[key];
        return v === undefined || v === null ? {} : { [key]: v };
      };
      const fields = {
        ...given('Runtime'),
        ...given('Handler'),
        ...given('Description'),
        ...given('Role'),
        ...given('MemorySize'),
        ...given('Timeout'),
      };
      // `Layers` replaces the list as a whole; `[]` removes every layer.
      const layers = resolveFunctionLayers(b['Layers'], deps.layers, arn);
      // ImageConfig replaces the overrides as a whole; `{}` removes them.
      const imageConfig = parseImageConfig(b['ImageConfig']);
      // VpcConfig replaces the groups as a whole; empty lists remove them.
      const vpcConfig = parseVpcConfig(b['VpcConfig']);
      const record = await store(name, b['RevisionId'], (current) => {
        const base = specInput(current);
        // LoggingConfig members left out keep their values (core's logging-config.ts).
        const logging = parseLoggingConfig(b['LoggingConfig'], base.logging);
        const spec = validateFunctionSpec(
          {
            ...base,
            runtime: fields['Runtime'] ?? base.runtime,
            handler: fields['Handler'] ?? base.handler,
            description: fields['Description'] ?? base.description,
            role: fields['Role'] ?? base.role,
            memorySize: fields['MemorySize'] ?? base.memorySize,
            timeout: fields['Timeout'] ?? base.timeout,
            ephemeralStorage: storage?.['Size'] ?? base.ephemeralStorage,
            // Environment replaces the variables as a whole; `{}` removes them.
            environment:
              environment === undefined ? base.environment : (environment['Variables'] ?? {}),
            // DeadLetterConfig with TargetArn '' (or none) removes the target.
            deadLetterTargetArn:
              deadLetter === undefined ? base.deadLetterTargetArn : (deadLetter['TargetArn'] ?? ''),
            layers: layers ?? base.layers,
            imageConfig: imageConfig ?? base.imageConfig,
            logging: logging ?? base.logging,
            // KMSKeyArn '' goes back to the mode's own key.
            kmsKeyArn: b['KMSKeyArn'] ?? base.kmsKeyArn,
            vpcConfig: vpcConfig ?? base.vpcConfig,
          },
          runtimes,
        );
        return { ...current, spec };
      });
      res.json(toFunctionConfiguration(record, arn));
    },
  );

  return router;
}

function specInput(record: FunctionRecord) {
  const s = record.spec;
  return {
    name: s.name,
    runtime: s.runtime,
    handler: s.handler,
    description: s.description,
    role: s.role,
    memorySize: s.memorySize,
    timeout: s.timeout,
    ephemeralStorage: s.ephemeralStorage,
    environment: s.environment,
    reservedConcurrency: s.reservedConcurrency,
    architectures: s.architectures,
    deadLetterTargetArn: s.deadLetterTargetArn,
    layers: s.layers,
    packageType: s.packageType,
    imageConfig: s.imageConfig,
    logging: s.logging,
    kmsKeyArn: s.kmsKeyArn,
    vpcConfig: s.vpcConfig,
  };
}
