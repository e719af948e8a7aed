/**
 * A function's `Layers` (CreateFunction, UpdateFunctionConfiguration) resolved against the layer
 * store: each LayerVersionArn must name a live version of this installation's account and region.
 * The result carries each version's content hash and size, so the function (and every version
 * published from it) keeps running that content after the layer version is deleted.
 *
 * Invariant: the order is the caller's: later layers override earlier files in /opt.
 */
import {
  type ArnContext,
  type FunctionLayer,
  functionLayerArns,
  LaminaError,
  type LayerStore,
  layerVersionArn,
} from '@lamina/core';

/** The resolved layers; undefined when the request did not name `Layers` (keep the current). */
export function resolveFunctionLayers(
  value: unknown,
  layers: Pick<LayerStore, 'get'>,
  ctx: ArnContext,
): readonly FunctionLayer[] | undefined {
  if (value === undefined || value === null) return undefined;
  return functionLayerArns(value).map((ref) => {
    const ours = ref.region === ctx.region && ref.accountId === ctx.accountId;
    const record = ours ? layers.get(ref.layerName, ref.version) : undefined;
    if (record === undefined) {
      const arn = `arn:aws:lambda:${ref.region}:${ref.accountId}:layer:${ref.layerName}:${String(ref.version)}`;
      throw new LaminaError(
        'InvalidParameterValueException',
        `Layer version ${arn} does not exist.`,
      );
    }
    return {
      arn: layerVersionArn(ctx, record.layerName, record.version),
      codeSize: record.size,
      sha256: record.sha256,
    };
  });
}
