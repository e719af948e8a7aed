import { createHash } from 'node:crypto';

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import { type FunctionRecord, kmsDecryptError, type VersionRecord } from '@lamina/core';
import { type FunctionResource, SEALED_ENVIRONMENT_ANNOTATION } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import {
  ANNOTATIONS,
  derivedRevisionId,
  hexToBase64,
  toFunctionRecord,
  toFunctionResource,
} from './function-mapping.js';
import {
  aliasResourceName,
  toAliasRecord,
  toAliasResource,
  toVersionRecord,
  toVersionResource,
} from './version-mapping.js';

const HEX = 'ab'.repeat(32);
const locate = (hex: string): string => `/code/${hex}`;
const record: FunctionRecord = {
  spec: {
    name: 'hello',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    description: '',
    role: 'arn:aws:iam::000000000000:role/r',
    memorySize: 512,
    timeout: 30,
    ephemeralStorage: 512,
    environment: { A: '1' },
    architectures: ['x86_64'],
  },
  code: { sha256: hexToBase64(HEX), size: 123, location: '/code/x' },
  lastModified: '2026-01-01T00:00:00.000+0000',
  revisionId: 'rev-1',
  state: 'Active',
  lastUpdateStatus: 'Successful',
  tags: { team: 'a' },
  source: 'api',
};

describe('Function resource ↔ FunctionRecord', () => {
  it('round-trips what the Lambda API owns; state comes from status', () => {
    const r = toFunctionResource(record, 'ns');
    expect(r.spec).toEqual({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      role: 'arn:aws:iam::000000000000:role/r',
      memorySize: 512,
      timeout: 30,
      ephemeralStorage: { size: 512 },
      environment: { variables: { A: '1' } },
      code: { sha256: HEX },
      architectures: ['x86_64'],
    });
    const stored: FunctionResource = { ...r, metadata: { ...r.metadata, generation: 1, uid: 'u' } };
    expect(toFunctionRecord(stored, locate)).toEqual({
      ...record,
      code: { ...record.code, location: `/code/${HEX}` },
      state: 'Pending',
      stateReason: 'The function is being created.',
      stateReasonCode: 'Creating',
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    });
    const active = toFunctionRecord(
      {
        ...stored,
        status: { observedGeneration: 1, state: 'Active', lastUpdateStatus: 'Successful' },
      },
      locate,
    );
    expect([active.state, active.lastUpdateStatus]).toEqual(['Active', 'Successful']);
    expect(active.stateReason).toBeUndefined();
    // Every transition is a change: the Active function has another RevisionId (as on AWS).
    expect(active.revisionId).not.toBe('rev-1');
    expect(active.revisionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const behind = toFunctionRecord(
      {
        ...stored,
        metadata: { ...stored.metadata, generation: 2 },
        status: { observedGeneration: 1, state: 'Active', lastUpdateStatus: 'Successful' },
      },
      locate,
    );
    expect([behind.state, behind.lastUpdateStatus]).toEqual(['Active', 'InProgress']);
    expect(behind.lastUpdateStatusReasonCode).toBe('Creating');
    expect(behind.revisionId).toBe('rev-1');
  });

  it('keeps spec fields the Lambda API does not own, and drops ones it cleared', () => {
    const base = toFunctionResource(
      { ...record, spec: { ...record.spec, description: 'old', reservedConcurrency: 3 } },
      'ns',
    );
    base.spec = {
      ...base.spec,
      provisionedConcurrency: 1,
      environment: {
        variables: { A: '1' },
        valueFrom: { S: { secretKeyRef: { name: 's', key: 'k' } } },
      },
    };
    const next = toFunctionResource(record, 'ns', base);
    expect(next.spec.description).toBeUndefined();
    expect(next.spec.reservedConcurrency).toBeUndefined();
    expect(next.spec.provisionedConcurrency).toBe(1);
    expect(next.spec.environment?.valueFrom).toBeDefined();
  });

  it('keeps layers in order, their hashes hex in the resource and base64 in the record', () => {
    const layers = [
      {
        arn: 'arn:aws:lambda:us-east-1:000000000000:layer:b:2',
        codeSize: 5,
        sha256: hexToBase64('cd'.repeat(32)),
      },
      {
        arn: 'arn:aws:lambda:us-east-1:000000000000:layer:a:1',
        codeSize: 7,
        sha256: hexToBase64(HEX),
      },
    ];
    const r = toFunctionResource({ ...record, spec: { ...record.spec, layers } }, 'ns');
    expect(r.spec.layers?.map((l) => l.sha256)).toEqual(['cd'.repeat(32), HEX]);
    expect(toFunctionRecord(r, locate).spec.layers).toEqual(layers);
    const cleared = toFunctionResource(record, 'ns', r);
    expect(cleared.spec.layers).toBeUndefined();
  });

  it('gives resources applied with kubectl a stable RevisionId', () => {
    const applied: FunctionResource = {
      apiVersion: 'lamina.dev/v1alpha1',
      kind: 'Function',
      metadata: { name: 'x', uid: 'u1', generation: 4 },
      spec: { memorySize: 128, timeout: 3, code: { image: 'img:1' } },
    };
    const r = toFunctionRecord(applied, locate);
    expect(r.revisionId).toBe(derivedRevisionId('u1', 4));
    expect(r.revisionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // An image's code is its reference, identified by the SHA-256 of that text (ADR 0028).
    expect(r.code).toEqual({
      sha256: createHash('sha256').update('img:1').digest('base64'),
      size: 0,
      location: 'img:1',
      imageUri: 'img:1',
    });
    expect(r.spec.packageType).toBe('Image');
    const back = toFunctionResource(r, 'ns');
    expect(back.spec.code).toEqual({ image: 'img:1' });
    expect(back.spec.runtime).toBeUndefined();
    expect(applied.metadata.annotations?.[ANNOTATIONS.revisionId]).toBeUndefined();
  });
});

describe('FunctionVersion and Alias resources', () => {
  const version: VersionRecord = {
    functionName: 'hello',
    version: '2',
    spec: record.spec,
    code: { ...record.code, location: `/code/${HEX}` },
    description: 'second',
    lastModified: record.lastModified,
    revisionId: 'v-rev',
  };
  const owner = { name: 'hello', uid: 'u' };

  it('names versions <fn>-v<N>, owned by the Function, and reads them back', () => {
    const r = toVersionResource(version, 'ns', owner);
    expect(r.metadata.name).toBe('hello-v2');
    expect(r.metadata.ownerReferences).toEqual([
      { apiVersion: 'lamina.dev/v1alpha1', kind: 'Function', name: 'hello', uid: 'u' },
    ]);
    expect(r.metadata.labels).toMatchObject({
      'lamina.dev/function': 'hello',
      'lamina.dev/version': '2',
    });
    expect(toVersionRecord(r, locate)).toEqual(version);
  });

  it('names aliases <fn>.<alias> and refuses names Kubernetes cannot hold', () => {
    const alias = {
      functionName: 'hello',
      name: 'prod',
      functionVersion: '1',
      description: '',
      additionalVersionWeights: { '2': 0.3 },
      revisionId: 'a-rev',
    };
    const r = toAliasResource(alias, 'ns', owner);
    expect(r.metadata.name).toBe('hello.prod');
    expect(r.spec.routingConfig).toEqual({ additionalVersionWeights: { '2': 0.3 } });
    expect(toAliasRecord(r)).toEqual(alias);
    expect(() => aliasResourceName('hello', 'Prod_1')).toThrow(/lowercase letters, digits and '-'/);
  });
});

describe('variables in a Secret, KMSKeyArn and VpcConfig (ADR 0039)', () => {
  const secrets: Record<string, Record<string, string>> = { 'hello-vars-1': { A: '1' } };
  const lookup = (name: string) => {
    const variables = secrets[name];
    return variables === undefined ? undefined : { variables };
  };
  const vpc = {
    subnetIds: ['subnet-a'],
    securityGroupIds: ['sg-redis', 'sg-kafka'],
    ipv6AllowedForDualStack: false,
  };
  const secured: FunctionRecord = {
    ...record,
    spec: {
      ...record.spec,
      kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k1',
      vpcConfig: vpc,
    },
  };

  it('keeps no value in the resource, only references, and reads the values back', () => {
    const plain = toFunctionResource(record, 'ns', undefined, 'hello-vars-1');
    expect(plain.spec.environment).toEqual({
      valueFrom: { A: { secretKeyRef: { name: 'hello-vars-1', key: 'A' } } },
    });
    expect(plain.metadata.annotations?.[SEALED_ENVIRONMENT_ANNOTATION]).toBeUndefined();
    expect(toFunctionRecord(plain, locate, lookup).spec.environment).toEqual({ A: '1' });
    // With a KMS key the Secret holds an envelope (ADR 0046): no references, the annotation says so.
    const r = toFunctionResource(secured, 'ns', undefined, 'hello-vars-1');
    expect(JSON.stringify(r)).not.toContain('"1"');
    expect(r.spec.environment).toBeUndefined();
    expect(r.metadata.annotations).toMatchObject({
      [SEALED_ENVIRONMENT_ANNOTATION]: 'hello-vars-1',
      [ANNOTATIONS.environmentSecret]: 'hello-vars-1',
      [ANNOTATIONS.kmsKeyArn]: 'arn:aws:kms:us-east-1:000000000000:key/k1',
      'lamina.dev/egress': 'redis,kafka',
    });
    const back = toFunctionRecord({ ...r, status: { state: 'Active' } }, locate, lookup);
    expect(back.spec.environment).toEqual({ A: '1' });
    expect(back.spec.kmsKeyArn).toBe(secured.spec.kmsKeyArn);
    expect(back.spec.vpcConfig).toEqual(vpc);
  });

  it('reads a sealed Secret its key cannot open as the KMS error, with no variables', () => {
    const r = toFunctionResource(secured, 'ns', undefined, 'hello-vars-1');
    const error = kmsDecryptError('KMSNotFoundException');
    const back = toFunctionRecord({ ...r, status: { state: 'Active' } }, locate, () => ({
      variables: {},
      error,
    }));
    expect(back.spec.environment).toEqual({});
    expect(back.spec.environmentError).toEqual(error);
  });

  it('moves inline variables to the Secret and keeps references set with kubectl', () => {
    const legacy = toFunctionResource(record, 'ns');
    legacy.spec.environment = {
      variables: { A: '1' },
      valueFrom: { OWN: { secretKeyRef: { name: 'mine', key: 'k' } } },
    };
    const next = toFunctionResource(record, 'ns', legacy, 'hello-vars-1');
    expect(next.spec.environment).toEqual({
      valueFrom: {
        OWN: { secretKeyRef: { name: 'mine', key: 'k' } },
        A: { secretKeyRef: { name: 'hello-vars-1', key: 'A' } },
      },
    });
    // A later change replaces the gateway's references, not kubectl's.
    const later = toFunctionResource(
      { ...record, spec: { ...record.spec, environment: { B: '2' } } },
      'ns',
      next,
      'hello-vars-2',
    );
    expect(later.spec.environment?.valueFrom).toEqual({
      OWN: { secretKeyRef: { name: 'mine', key: 'k' } },
      B: { secretKeyRef: { name: 'hello-vars-2', key: 'B' } },
    });
  });

  it("writes the egress groups from VpcConfig, removes them with it, and leaves kubectl's alone", () => {
    const withVpc = toFunctionResource(secured, 'ns');
    const cleared = toFunctionResource(record, 'ns', withVpc);
    expect(cleared.metadata.annotations?.['lamina.dev/egress']).toBeUndefined();
    expect(cleared.metadata.annotations?.[ANNOTATIONS.vpcConfig]).toBeUndefined();
    const byHand = toFunctionResource(record, 'ns');
    byHand.metadata.annotations = { ...byHand.metadata.annotations, 'lamina.dev/egress': 'redis' };
    expect(
      toFunctionResource(record, 'ns', byHand).metadata.annotations?.['lamina.dev/egress'],
    ).toBe('redis');
  });

  it('snapshots a version with its own annotations and the shared Secret', () => {
    const version: VersionRecord = {
      functionName: 'hello',
      version: '3',
      spec: secured.spec,
      code: { ...record.code, location: `/code/${HEX}` },
      description: '',
      lastModified: record.lastModified,
      revisionId: 'v3',
    };
    const r = toVersionResource(version, 'ns', { name: 'hello', uid: 'u' }, 'hello-vars-1');
    expect(JSON.stringify(r.spec)).not.toContain('"1"');
    expect(toVersionRecord(r, locate, lookup)).toEqual(version);
  });
});
