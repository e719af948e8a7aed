import { randomUUID } from 'node:crypto';

import {
  type ArnContext,
  type FunctionRecord,
  lambdaTimestamp,
  LATEST,
  LIMITS,
  toFunctionConfiguration,
  toVersionConfiguration,
  validateFunctionSpec,
  type VersionStore,
  LaminaError,
  functionExists,
} from '@lamina/core';
import { type Request, type Response, Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import { publishVersion } from '../publish-version.js';
import { queryString, resolveFunction } from '../resolve-function.js';
import { requestContext } from '../http/request-context.js';
import type { CodeFreezer } from '../code/code-snapshots.js';
import { codeLocation } from './code.js';
import { zipFromUpload } from './zip-upload.js';

export type FunctionRouteDeps = Pick<
  AppDeps,
  'config' | 'functions' | 'code' | 'pool' | 'admission' | 'logger' | 'runtimes'
> & {
  readonly versions: VersionStore;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
};

type Body = Record<string, unknown>;

function objectField(body: Body, key: string): Body | undefined {
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

function tagsOf(body: Body): Record<string, string> {
  const tags = objectField(body, 'Tags') ?? {};
  for (const v of Object.values(tags)) {
    if (typeof v !== 'string') {
      throw new LaminaError(
        'ValidationException',
        "'Tags' value failed to satisfy constraint: Member must have string values",
      );
    }
  }
  return tags as Record<string, string>;
}

/** Code.ZipFile as bytes; the other package sources do not exist in local mode. */
function zipOf(body: Body): Buffer {
  if (body['PackageType'] === 'Image') {
    throw new LaminaError(
      'InvalidParameterValueException',
      'Container image functions (PackageType Image) are not supported in local mode.',
    );
  }
  const code = objectField(body, 'Code');
  if (code === undefined) {
    throw new LaminaError(
      'ValidationException',
      "'Code' value failed to satisfy constraint: Member must not be null",
    );
  }
  return zipFromUpload(code, 'Code.');
}

function maxItemsOf(req: Request): number {
  const raw = queryString(req, 'MaxItems');
  if (raw === undefined) return LIMITS.listMaxItems;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new LaminaError(
      'ValidationException',
      "'MaxItems' value failed to satisfy constraint: Member must have value between 1 and 10000",
    );
  }
  return Math.min(n, LIMITS.listMaxItems);
}

function markerOf(req: Request): string | undefined {
  const raw = queryString(req, 'Marker');
  if (raw === undefined || raw === '') return undefined;
  const name = Buffer.from(raw, 'base64url').toString('utf8');
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    throw new LaminaError('InvalidParameterValueException', 'Invalid Marker.');
  }
  return name;
}

/** CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction. */
export function functionRoutes(deps: FunctionRouteDeps): Router {
  const { config, functions, versions, code, pool, admission, logger, runtimes, clock } = deps;
  const arn: ArnContext = config;
  const router = Router();

  router.post(
    '/2015-03-31/functions',
    jsonBody('CreateFunction', LIMITS.createFunctionRequestMaxBytes),
    async (req: Request, res: Response) => {
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new LaminaError(
          'ValidationException',
          "'FunctionName' value failed to satisfy constraint: Member must not be null",
        );
      }
      const b = body as Body;
      const environment = objectField(b, 'Environment');
      const storage = objectField(b, 'EphemeralStorage');
      const spec = validateFunctionSpec(
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
          deadLetterTargetArn: objectField(b, 'DeadLetterConfig')?.['TargetArn'],
        },
        runtimes,
      );
      requestContext(res, logger).functionName = spec.name;
      const tags = tagsOf(b);
      const zip = zipOf(b);
      if (functions.get(spec.name) !== undefined) {
        throw functionExists(spec.name);
      }
      const artifact = await code.putZip(zip);
      const record: FunctionRecord = {
        spec,
        code: { sha256: artifact.sha256, size: artifact.size, location: artifact.dir },
        lastModified: lambdaTimestamp(new Date(clock.now())),
        revisionId: randomUUID(),
        state: 'Active',
        lastUpdateStatus: 'Successful',
        tags,
        source: 'api',
      };
      await functions.create(record);
      if (b['Publish'] === true) {
        const version = await publishVersion(deps, arn, spec.name, {});
        res.status(201).json(toVersionConfiguration(version, arn));
        return;
      }
      // The store's view: in cluster mode the state is the operator's (Pending at first).
      res.status(201).json(toFunctionConfiguration(functions.get(spec.name) ?? record, arn));
    },
  );

  router.get('/2015-03-31/functions', (req, res) => {
    const maxItems = maxItemsOf(req);
    const after = markerOf(req);
    const qualified = queryString(req, 'FunctionVersion') === 'ALL';
    const all = [...functions.list()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
    const start = after === undefined ? 0 : all.findIndex((r) => r.spec.name > after);
    const page = start < 0 ? [] : all.slice(start, start + maxItems);
    const last = page.at(-1);
    const more = start >= 0 && start + maxItems < all.length && last !== undefined;
    res.json({
      Functions: page.map((r) => toFunctionConfiguration(r, arn, { listing: true, qualified })),
      ...(more ? { NextMarker: Buffer.from(last.spec.name).toString('base64url') } : {}),
    });
  });

  router.get('/2015-03-31/functions/:name', (req, res) => {
    const { ref, record } = resolveFunction(req, functions, arn);
    const reserved = record.spec.reservedConcurrency;
    res.json({
      Configuration: toFunctionConfiguration(record, arn, {
        qualified: ref.qualifier !== undefined,
      }),
      Code: { RepositoryType: 'S3', Location: codeLocation(req, record.code.sha256) },
      ...(Object.keys(record.tags).length > 0 ? { Tags: record.tags } : {}),
      ...(reserved === undefined
        ? {}
        : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
    });
  });

  router.get('/2015-03-31/functions/:name/configuration', (req, res) => {
    const { ref, record } = resolveFunction(req, functions, arn);
    res.json(toFunctionConfiguration(record, arn, { qualified: ref.qualifier !== undefined }));
  });

  router.delete('/2015-03-31/functions/:name', async (req, res) => {
    const ctx = requestContext(res, logger);
    const { ref } = resolveFunction(req, functions, arn);
    ctx.functionName = ref.name;
    if (ref.qualifier === LATEST) {
      throw new LaminaError(
        'InvalidParameterValueException',
        '$LATEST version cannot be deleted without deleting the function.',
      );
    }
    await functions.delete(ref.name);
    // The record is gone; what follows is cleanup that must not resurrect it on failure.
    const cleanup = await Promise.allSettled([
      admission.setReserved(ref.name, undefined),
      pool.evict(ref.name),
      versions.deleteFunction(ref.name),
    ]);
    for (const r of cleanup) {
      if (r.status === 'rejected') ctx.log.warn({ err: r.reason }, 'cleanup after delete failed');
    }
    res.status(204).end();
  });

  return router;
}
