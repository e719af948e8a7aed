import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from './config.js';
import { loadMappingManifests, manifestUuid } from './mapping-manifests.js';

describe('loadMappingManifests', () => {
  it('reads EventSourceMapping documents (CRD spec fields), skipping other kinds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-'));
    writeFileSync(
      join(dir, 'all.yaml'),
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata: {name: fn}
spec: {runtime: nodejs22.x, handler: index.handler, code: {path: .}}
---
apiVersion: lamina.dev/v1alpha1
kind: EventSourceMapping
metadata: {name: orders}
spec:
  functionName: fn
  topics: [orders]
  bootstrapServers: ['127.0.0.1:19092']
  startingPosition: TRIM_HORIZON
  batchSize: 500
  bisectBatchOnFunctionError: true
  destinationConfig: {onFailure: {destination: 'kafka://orders-dlq'}}
`,
    );
    const [m, ...rest] = await loadMappingManifests(dir, 1000);
    expect(rest).toHaveLength(0);
    expect(m).toMatchObject({
      uuid: manifestUuid('orders'),
      consumerGroupId: manifestUuid('orders'),
      functionName: 'fn',
      batchSize: 500,
      bisectBatchOnFunctionError: true,
      destinationConfig: { onFailure: { destination: 'kafka://orders-dlq' } },
      source: 'manifest',
    });
    expect(manifestUuid('orders')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('loadConfig', () => {
  it('lists every problem', () => {
    expect(() => loadConfig({ LAMINA_POLLER_SESSION_TIMEOUT_MS: '10' })).toThrow(
      /REDIS_URL[\s\S]*LAMINA_POLLER_SESSION_TIMEOUT_MS/,
    );
    expect(loadConfig({ REDIS_URL: 'redis://x:1' }).sessionTimeoutMs).toBe(30_000);
  });
});
