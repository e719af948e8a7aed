/**
 * Reads an AWS SAM / CloudFormation template (YAML or JSON) into plain objects: CloudFormation's
 * short-form tags (`!Ref`, `!Sub`, `!GetAtt`…) become their long forms (`{Ref: …}`,
 * `{"Fn::Sub": …}`), as CloudFormation itself reads them. Checks the SAM transform is declared.
 *
 * Invariant: nothing is resolved here; `intrinsics.ts` resolves values against parameters and
 * the stack's resources.
 */
import { parse, type Tags } from 'yaml';

const FUNCTIONS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'Base64',
  'Cidr',
  'ImportValue',
  'GetAZs',
  'Condition',
  'Transform',
] as const;

const longName = (n: string): string => (n === 'Ref' || n === 'Condition' ? n : `Fn::${n}`);

const CFN_TAGS: Tags = FUNCTIONS.flatMap((n) => [
  {
    tag: `!${n}`,
    resolve: (s: string): unknown => ({ [longName(n)]: n === 'GetAtt' ? splitGetAtt(s) : s }),
  },
  {
    tag: `!${n}`,
    collection: 'seq' as const,
    resolve: (seq: { toJSON(): unknown }): unknown => ({ [longName(n)]: seq.toJSON() }),
  },
  {
    tag: `!${n}`,
    collection: 'map' as const,
    resolve: (m: { toJSON(): unknown }): unknown => ({ [longName(n)]: m.toJSON() }),
  },
]);

function splitGetAtt(s: string): string[] {
  const dot = s.indexOf('.');
  return dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

export interface Template {
  readonly transform: readonly string[];
  readonly parameters: Readonly<Record<string, JsonObject>>;
  readonly globals: JsonObject;
  readonly resources: Readonly<
    Record<string, { Type: string; Properties: JsonObject; rest: JsonObject }>
  >;
  /** Top-level sections this CLI does not read (Conditions, Mappings, Outputs…). */
  readonly otherSections: readonly string[];
}

/** A template value as text: scalars as written, lists and maps as JSON. */
export function text(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const KNOWN_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Transform',
  'Description',
  'Parameters',
  'Globals',
  'Resources',
  'Metadata',
]);

export function parseTemplate(source: string, file: string): Template {
  let doc: unknown;
  try {
    doc = parse(source, { customTags: CFN_TAGS, prettyErrors: true });
  } catch (err) {
    throw new TemplateError(`${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new TemplateError(`${file} is not a template (no top-level mapping)`);
  const rawTransform = doc['Transform'];
  const transform = Array.isArray(rawTransform)
    ? rawTransform.map(text)
    : rawTransform === undefined
      ? []
      : [text(rawTransform)];
  if (!transform.includes('AWS::Serverless-2016-10-31')) {
    throw new TemplateError(
      `${file} does not declare "Transform: AWS::Serverless-2016-10-31"; only SAM templates are deployed`,
    );
  }
  const rawResources = doc['Resources'];
  if (!isObject(rawResources)) throw new TemplateError(`${file} has no Resources`);
  const resources: Record<string, { Type: string; Properties: JsonObject; rest: JsonObject }> = {};
  for (const [id, r] of Object.entries(rawResources)) {
    if (!isObject(r) || typeof r['Type'] !== 'string')
      throw new TemplateError(`resource ${id} has no Type`);
    const { Type, Properties, ...rest } = r;
    resources[id] = { Type, Properties: isObject(Properties) ? Properties : {}, rest };
  }
  const parameters = isObject(doc['Parameters']) ? doc['Parameters'] : {};
  const globals = isObject(doc['Globals']) ? doc['Globals'] : {};
  return {
    transform,
    parameters: Object.fromEntries(
      Object.entries(parameters).filter((e): e is [string, JsonObject] => isObject(e[1])),
    ),
    globals,
    resources,
    otherSections: Object.keys(doc).filter((k) => !KNOWN_SECTIONS.has(k)),
  };
}
