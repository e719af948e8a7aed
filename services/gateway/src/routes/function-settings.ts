/**
 * The small per-function operations (issue #16 item 6), each in AWS's shape:
 * GetFunctionCodeSigningConfig (none is ever set: an empty CodeSigningConfigArn) and
 * ListCodeSigningConfigs (none exist); Get/PutRuntimeManagementConfig (the mode is stored, runtime
 * versions are the installation's); Get/PutFunctionRecursionConfig (stored; Lamina detects no
 * loops). Settings live on the function record (core's function-settings.ts), so both modes keep
 * them and a deleted function takes them along.
 */
import {
  functionArn,
  parseRuntimeManagement,
  runtimeManagementJson,
  runtimeManagementOf,
  withRuntimeManagement,
} from '@lamina/core';
import { Router } from 'express';

import type { FunctionRouteDeps } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { resolveFunction } from '../resolve-function.js';
import { bodyOf } from './request-fields.js';

export type SettingsRouteDeps = Pick<FunctionRouteDeps, 'config' | 'functions'>;

const RUNTIME = '/2021-07-20/functions/:name/runtime-management-config';
const RECURSION = '/2024-08-31/functions/:name/recursion-config';
const BODY_LIMIT = 16 * 1024;

export function functionSettingsRoutes(deps: SettingsRouteDeps): Router {
  const { config, functions } = deps;
  const router = Router();

  router.get('/2020-06-30/functions/:name/code-signing-config', (req, res) => {
    const { record } = resolveFunction(req, functions, config);
    res.json({ CodeSigningConfigArn: '', FunctionName: record.spec.name });
  });
  router.get('/2020-04-22/code-signing-configs', (_req, res) => {
    res.json({ CodeSigningConfigs: [] });
  });

  router.get(RUNTIME, (req, res) => {
    const { record } = resolveFunction(req, functions, config);
    const arn = functionArn(config, record.spec.name);
    res.json(runtimeManagementJson(runtimeManagementOf(record.settings), arn));
  });
  router.put(RUNTIME, jsonBody('PutRuntimeManagementConfig', BODY_LIMIT), async (req, res) => {
    const { record } = resolveFunction(req, functions, config);
    const next = parseRuntimeManagement(bodyOf(req));
    await functions.update(record.spec.name, (current) => ({
      ...current,
      settings: withRuntimeManagement(current.settings, next),
    }));
    res.json(runtimeManagementJson(next, functionArn(config, record.spec.name)));
  });

  router.get(RECURSION, (req, res) => {
    const { record } = resolveFunction(req, functions, config);
    res.json({ RecursiveLoop: record.settings?.recursiveLoop ?? 'Terminate' });
  });
  router.put(RECURSION, jsonBody('PutFunctionRecursionConfig', BODY_LIMIT), async (req, res) => {
    const { record } = resolveFunction(req, functions, config);
    const loop = bodyOf(req)['RecursiveLoop'] === 'Allow' ? 'Allow' : 'Terminate';
    await functions.update(record.spec.name, (current) => ({
      ...current,
      settings: { ...current.settings, recursiveLoop: loop },
    }));
    res.json({ RecursiveLoop: loop });
  });
  return router;
}
