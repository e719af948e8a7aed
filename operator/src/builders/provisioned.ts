/**
 * A function version's provisioned concurrency (issue #15 item 5): the environments kept
 * initialised for it, the floor of its worker Deployment. The gateway writes the summed
 * configs of the version and its aliases to the FunctionVersion's mutable
 * `spec.provisionedConcurrency`; a version made by hand may carry it in its `function`
 * snapshot instead (the older place), which counts when the mutable field is absent.
 *
 * Invariants: pure; undefined when neither says anything (the reconciler's default applies).
 */
import type { FunctionVersionResource } from '@lamina/kube';

export function provisionedFloor(fv: FunctionVersionResource): number | undefined {
  return fv.spec.provisionedConcurrency ?? fv.spec.function.provisionedConcurrency;
}
