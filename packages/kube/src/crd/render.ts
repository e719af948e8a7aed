import { stringify } from 'yaml';

import { buildCrds } from './definitions.js';

/** Where the generated CRD YAML lives, relative to the repository root. */
export const CRD_OUTPUT_DIRS = ['charts/lamina/crds', 'deploy/crds'] as const;

export interface RenderedFile {
  /** File name inside each output directory. */
  readonly name: string;
  readonly content: string;
}

const HEADER =
  '# Generated from packages/kube/src/schema (the one schema source). Do not edit:\n' +
  '# run `npm run crds -w @lamina/kube` after changing a schema.\n';

/** Renders every CRD to YAML, one file per kind, deterministically. */
export function renderCrdFiles(): RenderedFile[] {
  return buildCrds().map((crd) => ({
    name: `${crd.spec.group}_${crd.spec.names.plural}.yaml`,
    content:
      HEADER +
      stringify(crd, {
        lineWidth: 0,
        aliasDuplicateObjects: false,
        singleQuote: true,
        // The API server reads YAML 1.1: OFF, on, yes … must stay strings.
        version: '1.1',
      }),
  }));
}
