/**
 * Sealed variables for worker pods (ADR 0046): `GET /lamina/v1/environment/<Secret name>` answers
 * `{"variables": {…}}` — the envelope in that Secret opened with the KMS key it names — to a
 * request carrying that Secret's token (`x-lamina-environment-token`, core's
 * `environmentToken`; the operator gives each pod the token of its own Secret). Only in a
 * cluster with a token secret: without one the route answers nothing but 404.
 *
 * Soundness: a wrong or missing token, an unknown Secret and a Secret that is no envelope all
 * answer the same 404 (no oracle of which Secrets exist or what they hold); a known envelope its
 * key cannot open answers Lambda's KMS* exception (502), so the pod logs why it has no variables.
 * The route is unsigned (a pod holds no access key), like the code route.
 */
import {
  ENVIRONMENT_PATH,
  ENVIRONMENT_TOKEN_HEADER,
  environmentErrorException,
  type EnvironmentError,
  isValidEnvironmentToken,
  LaminaError,
} from '@lamina/core';
import { Router } from 'express';

/** What the cluster's variables Secrets hold, by name (environment-secrets.ts). */
export interface SealedEnvironments {
  resolve(name: string):
    | {
        readonly variables: Readonly<Record<string, string>>;
        readonly sealed: boolean;
        readonly error?: EnvironmentError;
      }
    | undefined;
}

export function sealedEnvironmentRoutes(o: {
  readonly sealed: SealedEnvironments;
  readonly tokenSecret: string | undefined;
}): Router {
  const router = Router();
  router.get(`${ENVIRONMENT_PATH}/:secret`, (req, res) => {
    const name = req.params.secret;
    const token = req.get(ENVIRONMENT_TOKEN_HEADER);
    const held =
      o.tokenSecret !== undefined &&
      token !== undefined &&
      isValidEnvironmentToken(o.tokenSecret, name, token)
        ? o.sealed.resolve(name)
        : undefined;
    if (held?.sealed !== true)
      throw new LaminaError('ResourceNotFoundException', `Environment not found: ${name}`);
    if (held.error !== undefined) throw environmentErrorException(held.error);
    res.json({ variables: held.variables });
  });
  return router;
}
