import { LaminaError } from '@lamina/core';
import { type Request, Router } from 'express';

import type { AppDeps } from '../deps.js';
import { checkCodeAccess, codeLocationQuery } from './code-access.js';

const CODE_PATH = '/lamina/v1/code';
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * GetFunction's Code.Location: an absolute URL of this gateway (as the caller reached it)
 * that serves the stored zip. Lambda's is a pre-signed S3 URL; clients only download it.
 */
export function codeLocation(req: Request, sha256Base64: string): string {
  const hex = Buffer.from(sha256Base64, 'base64').toString('hex');
  const query = codeLocationQuery(req, hex);
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${CODE_PATH}/${hex}${query}`;
}

/** Serves code packages by their hex SHA-256 (the code store's key). */
export function codeRoutes(deps: Pick<AppDeps, 'code'>): Router {
  const router = Router();
  router.get(`${CODE_PATH}/:sha256Hex`, async (req, res) => {
    const hex = req.params.sha256Hex;
    checkCodeAccess(req, hex);
    const zip = HEX_SHA256.test(hex) ? await deps.code.readZip(hex) : undefined;
    if (zip === undefined)
      throw new LaminaError('ResourceNotFoundException', `Code package not found: ${hex}`);
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': zip.length,
      'Content-Disposition': `attachment; filename="${hex}.zip"`,
    });
    res.end(zip);
  });
  return router;
}
