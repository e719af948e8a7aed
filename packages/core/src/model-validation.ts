/**
 * Request validation from the published Lambda service model (lambda-model.generated.ts), with
 * AWS's wording: `1 validation error detected: Value 'my-function!' at 'functionName' failed to
 * satisfy constraint: Member must satisfy regular expression pattern: …`, or `N validation errors
 * detected: …; …` for several. This is the first check of every operation; Lamina's own rules
 * (name length of a bare name, memory and timeout limits, deprecated runtimes) come after it.
 *
 * Invariants: member paths are lowerCamel (`functionName`, `vpcConfig.subnetIds`,
 * `fileSystemConfigs.1.member.arn`), as AWS prints them; per value the pattern comes before the
 * length, then the range and enum checks; a member of a sensitive shape is reported without its
 * value; a value of the wrong JSON type is left to the operation (the model does not say how AWS
 * words that), and so are blobs.
 */
import { ValidationException } from './errors.js';
import type { ModelMember, ModelShape } from './lambda-model-types.js';
import { LAMBDA_OPERATIONS, LAMBDA_SHAPES } from './lambda-model.generated.js';

/** What a request carries, by the model's locations. */
export interface ModelRequest {
  /** URI parameters by their template name (already percent-decoded). */
  readonly uri: Readonly<Record<string, string>>;
  /** A repeated parameter (a list member, e.g. UntagResource's tagKeys) may come as an array. */
  readonly query: (name: string) => string | readonly string[] | undefined;
  /** A header by its name in lower case, as node:http keys them (`x-amz-log-type`). */
  readonly header: (name: string) => string | undefined;
  /** The parsed JSON body; undefined when the operation has none or it is not read yet. */
  readonly body?: unknown;
  /** Lamina's own forms the model does not know (`lamina:queue:…`): such a value is not checked. */
  readonly exempt?: (value: unknown) => boolean;
}

const compiled = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    // The model's patterns are Java regexes matched against the whole value (\p{L} needs u).
    re = new RegExp(`^(?:${source})$`, 'u');
    compiled.set(source, re);
  }
  return re;
}

function shape(name: string): ModelShape {
  const s = LAMBDA_SHAPES[name];
  if (s === undefined) throw new Error(`lambda model: no shape ${name}`);
  return s;
}

const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** A value as Java's toString prints it in AWS's messages. */
function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${render(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Whether a scalar value keeps every constraint (scalarFailures would be empty), building nothing. */
function scalarPasses(s: ModelShape, value: unknown): boolean {
  if (typeof value === 'string' && (s.type === 'string' || s.type === 'timestamp')) {
    if (s.pattern !== undefined && !patternOf(s.pattern).test(value)) return false;
    if (s.min !== undefined && value.length < s.min) return false;
    if (s.max !== undefined && value.length > s.max) return false;
    return s.enum === undefined || s.enum.includes(value);
  }
  if (typeof value === 'number' && isNumeric(s))
    return !(s.min !== undefined && value < s.min) && !(s.max !== undefined && value > s.max);
  return true;
}

const NO_FAILURES: readonly string[] = Object.freeze([]);

/** The constraints a scalar value breaks, in AWS's order and words. */
function scalarFailures(s: ModelShape, value: unknown): readonly string[] {
  if (scalarPasses(s, value)) return NO_FAILURES;
  const out: string[] = [];
  if (typeof value === 'string' && (s.type === 'string' || s.type === 'timestamp')) {
    if (s.pattern !== undefined && !patternOf(s.pattern).test(value))
      out.push(`Member must satisfy regular expression pattern: ${s.pattern}`);
    out.push(...lengthFailures(s, value.length));
    if (s.enum !== undefined && !s.enum.includes(value))
      out.push(`Member must satisfy enum value set: [${s.enum.join(', ')}]`);
  } else if (typeof value === 'number' && isNumeric(s)) {
    if (s.min !== undefined && value < s.min)
      out.push(`Member must have value greater than or equal to ${String(s.min)}`);
    if (s.max !== undefined && value > s.max)
      out.push(`Member must have value less than or equal to ${String(s.max)}`);
  }
  return out;
}

function lengthFailures(s: ModelShape, length: number): readonly string[] {
  if (s.min !== undefined && length < s.min)
    return [`Member must have length greater than or equal to ${String(s.min)}`];
  if (s.max !== undefined && length > s.max)
    return [`Member must have length less than or equal to ${String(s.max)}`];
  return NO_FAILURES;
}

const isNumeric = (s: ModelShape): boolean =>
  s.type === 'integer' || s.type === 'long' || s.type === 'double' || s.type === 'float';

/** Every constraint of an element shape, as AWS lists them inside `[…]` for a collection. */
function constraintsOf(s: ModelShape): string[] {
  const out: string[] = [];
  if (s.pattern !== undefined)
    out.push(`Member must satisfy regular expression pattern: ${s.pattern}`);
  const unit = s.type === 'string' ? 'length' : 'value';
  if (s.min !== undefined)
    out.push(`Member must have ${unit} greater than or equal to ${String(s.min)}`);
  if (s.max !== undefined)
    out.push(`Member must have ${unit} less than or equal to ${String(s.max)}`);
  if (s.enum !== undefined) out.push(`Member must satisfy enum value set: [${s.enum.join(', ')}]`);
  return out;
}

const isScalar = (s: ModelShape): boolean =>
  s.type !== 'structure' && s.type !== 'list' && s.type !== 'map';

class Collector {
  readonly errors: string[] = [];

  constructor(private readonly exempt: (value: unknown) => boolean) {}

  add(path: string, value: unknown, sensitive: boolean, constraint: string): void {
    const v = value === null || value === undefined ? 'null' : `'${render(value)}'`;
    const shown = sensitive && value !== null && value !== undefined ? 'Value' : `Value ${v}`;
    this.errors.push(`${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  value(shapeName: string, value: unknown, path: string): void {
    if (value === undefined || value === null || this.exempt(value)) return;
    const s = shape(shapeName);
    const sensitive = s.sensitive === true;
    if (isScalar(s)) {
      for (const c of scalarFailures(s, value)) this.add(path, value, sensitive, c);
    } else if (s.type === 'structure') {
      if (typeof value === 'object' && !Array.isArray(value))
        this.structure(s, (m) => (value as Record<string, unknown>)[m], path);
    } else if (s.type === 'list') {
      if (Array.isArray(value)) this.list(s, value, path, sensitive);
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      this.map(s, value as Record<string, unknown>, path, sensitive);
    }
  }

  structure(s: ModelShape, read: (member: string) => unknown, prefix: string): void {
    const required = new Set(s.required ?? []);
    for (const [name, member] of Object.entries(s.members ?? {})) {
      const path = prefix === '' ? lowerCamel(name) : `${prefix}.${lowerCamel(name)}`;
      const value = read(name);
      if ((value === undefined || value === null) && required.has(name)) {
        this.add(path, null, false, 'Member must not be null');
      } else {
        this.value(member.shape, value, path);
      }
    }
  }

  private list(s: ModelShape, items: unknown[], path: string, sensitive: boolean): void {
    for (const c of lengthFailures(s, items.length)) this.add(path, items, sensitive, c);
    const element = shape(s.member ?? '');
    if (isScalar(element)) {
      const bad = items.some((i) => i === null || scalarFailures(element, i).length > 0);
      if (bad) {
        const all = [...constraintsOf(element), 'Member must not be null'].join(', ');
        this.add(path, items, sensitive, `Member must satisfy constraint: [${all}]`);
      }
      return;
    }
    items.forEach((item, i) => {
      this.value(s.member ?? '', item, `${path}.${String(i + 1)}.member`);
    });
  }

  private map(s: ModelShape, entries: Record<string, unknown>, path: string, sensitive: boolean) {
    const keys = Object.keys(entries);
    for (const c of lengthFailures(s, keys.length)) this.add(path, entries, sensitive, c);
    const keyShape = shape(s.key ?? '');
    if (keys.some((k) => scalarFailures(keyShape, k).length > 0)) {
      const all = constraintsOf(keyShape).join(', ');
      this.add(path, entries, sensitive, `Map keys must satisfy constraint: [${all}]`);
    }
    const valueShape = shape(s.value ?? '');
    if (!isScalar(valueShape)) {
      for (const k of keys) this.value(s.value ?? '', entries[k], `${path}.${k}.member`);
    } else if (Object.values(entries).some((v) => scalarFailures(valueShape, v).length > 0)) {
      const all = constraintsOf(valueShape).join(', ');
      this.add(path, entries, sensitive, `Map value must satisfy constraint: [${all}]`);
    }
  }
}

/** A string from the URI, the query or a header, typed as the member's shape reads it. */
function fromText(s: ModelShape, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (isNumeric(s)) {
    const n = Number(text);
    return text.trim() === '' || Number.isNaN(n) ? text : n;
  }
  if (s.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** A query parameter: a list member takes every occurrence, any other member one string. */
function fromQuery(s: ModelShape, v: string | readonly string[] | undefined): unknown {
  if (s.type === 'list') {
    if (v === undefined) return undefined;
    const member = shape(s.member ?? '');
    return (typeof v === 'string' ? [v] : v).map((t) => fromText(member, t));
  }
  return fromText(s, typeof v === 'string' ? v : undefined);
}

/**
 * A member of an operation's input, resolved once per operation: where it travels, its shape,
 * the path AWS prints, whether it is required. The payload member (Invoke's Payload,
 * InvokeAsync's InvokeArgs) is the raw body, checked by the operation, so it is left out.
 */
interface PlannedMember {
  readonly name: string;
  readonly shapeName: string;
  readonly shape: ModelShape;
  readonly path: string;
  readonly location: ModelMember['location'];
  /** The wire name: as the model spells it for the URI and query, lower case for a header. */
  readonly wire: string;
  readonly required: boolean;
  readonly scalar: boolean;
}

const plans = new Map<string, readonly PlannedMember[] | null>();

/** The checked members of an operation's input in the model's order; null without input. */
function planOf(operation: string): readonly PlannedMember[] | null {
  let plan = plans.get(operation);
  if (plan !== undefined) return plan;
  const inputName = LAMBDA_OPERATIONS[operation]?.input;
  if (inputName === undefined) {
    plan = null;
  } else {
    const input = shape(inputName);
    const required = new Set(input.required ?? []);
    plan = Object.entries(input.members ?? {})
      .filter(([name]) => name !== input.payload)
      .map(([name, member]) => {
        const s = shape(member.shape);
        const wire = member.locationName ?? name;
        return {
          name,
          shapeName: member.shape,
          shape: s,
          path: lowerCamel(name),
          location: member.location,
          wire: member.location === 'header' ? wire.toLowerCase() : wire,
          required: required.has(name),
          scalar: isScalar(s),
        };
      });
  }
  plans.set(operation, plan);
  return plan;
}

function memberValue(m: PlannedMember, req: ModelRequest, body: Record<string, unknown>): unknown {
  if (m.location === undefined) return body[m.name];
  if (m.location === 'uri') return fromText(m.shape, req.uri[m.wire]);
  if (m.location === 'querystring') return fromQuery(m.shape, req.query(m.wire));
  if (m.location === 'header') return fromText(m.shape, req.header(m.wire));
  return undefined;
}

const EXEMPT_NONE = (): boolean => false;

/**
 * The validation messages of one request of `operation` (empty when it passes). A request that
 * passes builds nothing per member: the plan is the operation's, a scalar is checked in place,
 * and messages are written only for a value that breaks a constraint.
 */
export function modelValidationErrors(operation: string, req: ModelRequest): string[] {
  const plan = planOf(operation);
  if (plan === null) return [];
  const body: Record<string, unknown> =
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : {};
  const exempt = req.exempt ?? EXEMPT_NONE;
  let collector: Collector | undefined;
  for (const m of plan) {
    const value = memberValue(m, req, body);
    if (value === undefined || value === null) {
      if (m.required)
        (collector ??= new Collector(exempt)).add(m.path, null, false, 'Member must not be null');
      continue;
    }
    if (m.scalar && (exempt(value) || scalarPasses(m.shape, value))) continue;
    (collector ??= new Collector(exempt)).value(m.shapeName, value, m.path);
  }
  return collector === undefined ? [] : collector.errors;
}

/** AWS's one message for a list of validation failures. */
export function validationMessage(errors: readonly string[]): string {
  const n = errors.length;
  return `${String(n)} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

/** Throws AWS's ValidationException when `req` breaks the model's constraints of `operation`. */
export function assertModelValid(operation: string, req: ModelRequest): void {
  const errors = modelValidationErrors(operation, req);
  if (errors.length > 0) throw new ValidationException(validationMessage(errors));
}

/** Whether the operation's input has members in the JSON body (validated once it is parsed). */
export function hasJsonBody(operation: string): boolean {
  const input = LAMBDA_OPERATIONS[operation]?.input;
  if (input === undefined) return false;
  const s = shape(input);
  if (s.payload !== undefined) return false;
  return Object.values(s.members ?? {}).some((m) => m.location === undefined);
}
