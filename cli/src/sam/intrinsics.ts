/**
 * Resolves CloudFormation intrinsic functions in template values, for the cases SAM users write:
 * `Ref` (parameters, pseudo parameters, resources), `Fn::Sub` (both forms), `Fn::GetAtt`
 * (`.Arn` of functions and layers), `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::Base64`.
 *
 * Invariant: anything else — an unknown function, a missing parameter, an attribute Lamina has no
 * value for — throws an IntrinsicError naming it, never leaves a `{Ref: …}` in a resolved value.
 */
import { isObject, type Json, text } from './template.js';

export class IntrinsicError extends Error {
  override readonly name = 'IntrinsicError';
}

export interface ResolveScope {
  /** Parameters and pseudo parameters (AWS::Region…) by name. */
  readonly refs: Readonly<Record<string, Json>>;
  /** `Logical.Attribute` → value, e.g. `MyFunction.Arn`. */
  readonly attributes: Readonly<Record<string, Json>>;
}

/** The value of `${Name}` / `${Logical.Attr}` inside Fn::Sub. */
function subVariable(
  name: string,
  scope: ResolveScope,
  locals: Readonly<Record<string, Json>>,
): string {
  const v = locals[name] ?? scope.refs[name] ?? scope.attributes[name];
  if (v === undefined)
    throw new IntrinsicError(
      `Fn::Sub: \${${name}} is not a parameter, resource or attribute of this template`,
    );
  if (Array.isArray(v)) return v.map(text).join(',');
  return text(v);
}

function sub(
  template: string,
  scope: ResolveScope,
  locals: Readonly<Record<string, Json>>,
): string {
  return template.replace(/\$\{(!?)([^}]+)\}/g, (_all, bang: string, name: string) =>
    bang === '!' ? `\${${name}}` : subVariable(name.trim(), scope, locals),
  );
}

export function resolveValue(value: Json, scope: ResolveScope): Json {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, scope));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === 'Ref') {
    const name = text(value['Ref']);
    const v = scope.refs[name];
    if (v === undefined)
      throw new IntrinsicError(
        `Ref ${name}: no parameter, pseudo parameter or resource of that name`,
      );
    return v;
  }
  if (only === 'Fn::Sub') {
    const arg = value['Fn::Sub'] ?? '';
    if (typeof arg === 'string') return sub(arg, scope, {});
    if (Array.isArray(arg) && typeof arg[0] === 'string') {
      const rawLocals = isObject(arg[1]) ? arg[1] : {};
      const locals = Object.fromEntries(
        Object.entries(rawLocals).map(([k, v]) => [k, resolveValue(v, scope)]),
      );
      return sub(arg[0], scope, locals);
    }
    throw new IntrinsicError('Fn::Sub takes a string or [string, {variables}]');
  }
  if (only === 'Fn::GetAtt') {
    const arg = value['Fn::GetAtt'];
    const [logical, attr] = Array.isArray(arg) ? arg.map(text) : text(arg).split('.');
    const key = `${logical ?? ''}.${attr ?? ''}`;
    const v = scope.attributes[key];
    if (v === undefined)
      throw new IntrinsicError(`Fn::GetAtt ${key}: Lamina has no value for this attribute`);
    return v;
  }
  if (only === 'Fn::Join') {
    const arg = value['Fn::Join'];
    if (!Array.isArray(arg) || typeof arg[0] !== 'string')
      throw new IntrinsicError('Fn::Join takes [delimiter, [values]]');
    const list = resolveValue(arg[1] ?? [], scope);
    if (!Array.isArray(list)) throw new IntrinsicError('Fn::Join needs a list of values');
    return list.map(text).join(arg[0]);
  }
  if (only === 'Fn::Select') {
    const arg = value['Fn::Select'];
    if (!Array.isArray(arg)) throw new IntrinsicError('Fn::Select takes [index, [values]]');
    const list = resolveValue(arg[1] ?? [], scope);
    const i = Number(resolveValue(arg[0] ?? 0, scope));
    if (!Array.isArray(list) || list[i] === undefined)
      throw new IntrinsicError(`Fn::Select: no element ${i}`);
    return list[i];
  }
  if (only === 'Fn::Split') {
    const arg = value['Fn::Split'];
    if (!Array.isArray(arg) || typeof arg[0] !== 'string')
      throw new IntrinsicError('Fn::Split takes [delimiter, string]');
    return text(resolveValue(arg[1] ?? '', scope)).split(arg[0]);
  }
  if (only === 'Fn::Base64') {
    return Buffer.from(text(resolveValue(value['Fn::Base64'] ?? '', scope))).toString('base64');
  }
  if (only !== undefined && (only.startsWith('Fn::') || only === 'Condition')) {
    throw new IntrinsicError(
      `${only} is not supported by lamina deploy (supported: Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Base64)`,
    );
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, scope)]));
}
