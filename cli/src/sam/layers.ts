/**
 * Layers of a template (AWS::Serverless::LayerVersion) on a Lamina that has them: a new version is
 * published only when the content differs from the latest version's; functions refer to layers
 * by `Ref`, which resolves to that version's ARN.
 *
 * Invariant: until a layer is published, its functions carry the placeholder version, which
 * never equals a real ARN — so they show as changed (Layers) in the changeset.
 */
import {
  GetLayerVersionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';

import { errorName } from '../api-error.js';
import type { Run } from '../context.js';
import { codeSha256 } from '../function-diff.js';
import { codeOf } from '../zip-folder.js';
import { LAYER_VERSION_PLACEHOLDER, type PlannedLayer } from './plan.js';

export interface LayerState {
  readonly layer: PlannedLayer;
  readonly zip: Buffer;
  /** The ARN of the latest version when its content equals this one. */
  readonly current: string | undefined;
}

export async function layerStates(
  run: Run,
  layers: readonly PlannedLayer[],
): Promise<LayerState[]> {
  const out: LayerState[] = [];
  for (const layer of layers) {
    const zip = codeOf(layer.contentPath);
    const latest = await run.call(`ListLayerVersions ${layer.name}`, async () => {
      try {
        return (
          await run.lambda.send(
            new ListLayerVersionsCommand({ LayerName: layer.name, MaxItems: 1 }),
          )
        ).LayerVersions?.[0];
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    });
    let current: string | undefined;
    if (latest?.LayerVersionArn !== undefined && latest.Version !== undefined) {
      const got = await run.call(`GetLayerVersion ${layer.name}`, () =>
        run.lambda.send(
          new GetLayerVersionCommand({ LayerName: layer.name, VersionNumber: latest.Version }),
        ),
      );
      if (got.Content?.CodeSha256 === codeSha256(zip)) current = latest.LayerVersionArn;
    }
    out.push({ layer, zip, current });
  }
  return out;
}

/** Publishes the layers whose content changed; returns placeholder ARN → real version ARN. */
export async function publishLayers(
  run: Run,
  states: readonly LayerState[],
): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  for (const s of states) {
    let arn = s.current;
    if (arn === undefined) {
      run.out.progress(`layer ${s.layer.name}: publishing`);
      const published = await run.call(`PublishLayerVersion ${s.layer.name}`, () =>
        run.lambda.send(
          new PublishLayerVersionCommand({
            LayerName: s.layer.name,
            Content: { ZipFile: s.zip },
            ...(s.layer.description === undefined ? {} : { Description: s.layer.description }),
            ...(s.layer.compatibleRuntimes.length === 0
              ? {}
              : { CompatibleRuntimes: [...s.layer.compatibleRuntimes] as never[] }),
          }),
        ),
      );
      arn = published.LayerVersionArn ?? '';
      run.out.done(`layer ${s.layer.name}: published ${arn}`);
    }
    arns.set(placeholderOf(s.layer.name, arn), arn);
  }
  return arns;
}

/** The placeholder ARN plan.ts gave the layer (same prefix as a real version ARN). */
function placeholderOf(_name: string, arn: string): string {
  return `${arn.slice(0, arn.lastIndexOf(':'))}:${LAYER_VERSION_PLACEHOLDER}`;
}

/** Function layer list with placeholders replaced by known version ARNs. */
export function withLayerVersions(
  layers: readonly string[],
  arns: ReadonlyMap<string, string>,
): string[] {
  return layers.map((l) => arns.get(l) ?? l);
}

/** Placeholder → current ARN for layers whose content is unchanged (for the changeset). */
export function currentLayerArns(states: readonly LayerState[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of states)
    if (s.current !== undefined) m.set(placeholderOf(s.layer.name, s.current), s.current);
  return m;
}
