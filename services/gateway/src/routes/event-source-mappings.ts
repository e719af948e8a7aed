import { randomUUID } from 'node:crypto';

import {
  applyMappingUpdate,
  type EventSourceMapping,
  parseFunctionRef,
  ResourceConflictException,
  ResourceNotFoundException,
  toMappingConfiguration,
  validateCreateMapping,
  functionNotFound,
} from '@lamina/core';
import { type Request, Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import type { MappingStore, StoredMapping } from '../async/mapping-store.js';

export type EventSourceMappingDeps = Pick<AppDeps, 'config' | 'functions'> & {
  readonly mappings: MappingStore;
  readonly clock: Clock;
  readonly newId?: () => string;
};

const PATH = '/2015-03-31/event-source-mappings';
const BODY_LIMIT = 256 * 1024;

/** What ListEventSourceMappings' EventSourceArn matches: the queue ARN, or the Kafka servers. */
const sourceOf = (m: EventSourceMapping): string =>
  m.kind === 'sqs' ? m.eventSourceArn : m.bootstrapServers.join(',');

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/**
 * Create (202) / Get / List (?EventSourceArn&FunctionName) / Update (202) / Delete (202) for
 * self-managed Kafka and SQS queue mappings. The pollers read the same store and report State and
 * LastProcessingResult back into it.
 */
export function eventSourceMappingRoutes(deps: EventSourceMappingDeps): Router {
  const { config, functions, mappings, clock } = deps;
  const newId = deps.newId ?? randomUUID;
  const router = Router();
  const answer = (s: StoredMapping): Record<string, unknown> =>
    toMappingConfiguration(s.mapping, s.status, config);
  const assertFunction = (name: string): void => {
    const ref = parseFunctionRef(name);
    if (functions.get(ref.name) === undefined)
      throw functionNotFound(config, ref.name, ref.qualifier);
  };
  const load = async (req: Request): Promise<StoredMapping> => {
    const uuid = String(req.params['uuid']);
    const found = await mappings.get(uuid);
    if (found === undefined)
      throw new ResourceNotFoundException(
        `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${uuid})`,
      );
    return found;
  };

  router.post(PATH, jsonBody('CreateEventSourceMapping', BODY_LIMIT), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mapping = validateCreateMapping(body, newId(), clock.now());
    assertFunction(mapping.functionName);
    const all = await mappings.list();
    const clash =
      mapping.kind === 'sqs'
        ? undefined
        : all.find(
            (s) =>
              s.mapping.kind !== 'sqs' && s.mapping.consumerGroupId === mapping.consumerGroupId,
          );
    if (mapping.kind !== 'sqs' && clash !== undefined)
      throw new ResourceConflictException(
        `The consumer group ID ${mapping.consumerGroupId} is already used by event source mapping ${clash.mapping.uuid}.`,
      );
    await mappings.put(mapping);
    res.status(202).json(answer({ mapping, status: undefined }));
  });

  router.get(PATH, async (req, res) => {
    const fn = text(req.query['FunctionName']);
    const source = text(req.query['EventSourceArn']);
    const max = Math.min(Number(text(req.query['MaxItems']) ?? '100') || 100, 10_000);
    const fnName = fn === undefined ? undefined : parseFunctionRef(fn).name;
    const list = (await mappings.list()).filter(
      (s) =>
        (fnName === undefined || parseFunctionRef(s.mapping.functionName).name === fnName) &&
        (source === undefined || sourceOf(s.mapping) === source),
    );
    const start = Number(text(req.query['Marker']) ?? '0') || 0;
    const page = list.slice(start, start + max);
    res.status(200).json({
      EventSourceMappings: page.map(answer),
      ...(start + max < list.length ? { NextMarker: String(start + max) } : {}),
    });
  });

  router.get(`${PATH}/:uuid`, async (req, res) => {
    res.status(200).json(answer(await load(req)));
  });

  router.put(
    `${PATH}/:uuid`,
    jsonBody('UpdateEventSourceMapping', BODY_LIMIT),
    async (req, res) => {
      const current = await load(req);
      const mapping = applyMappingUpdate(
        current.mapping,
        (req.body ?? {}) as Record<string, unknown>,
        clock.now(),
      );
      if (mapping.functionName !== current.mapping.functionName)
        assertFunction(mapping.functionName);
      await mappings.put(mapping);
      const c = answer({ mapping, status: current.status });
      res.status(202).json({ ...c, State: 'Updating' });
    },
  );

  router.delete(`${PATH}/:uuid`, async (req, res) => {
    const current = await load(req);
    await mappings.delete(current.mapping.uuid);
    res.status(202).json({ ...answer(current), State: 'Deleting' });
  });
  return router;
}
