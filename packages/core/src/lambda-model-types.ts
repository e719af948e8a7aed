/**
 * The types of the generated Lambda service model (lambda-model.generated.ts): the subset of
 * botocore's service-2.json that request validation reads. Kept apart from the generated file so
 * the generator only writes data.
 *
 * Invariants: names are the model's own (operation, shape and member names, PascalCase);
 * `location` absent means the member travels in the JSON body.
 */

export interface ModelOperation {
  readonly method: string;
  /** The request URI template, e.g. `/2015-03-31/functions/{FunctionName}/aliases/{Name}`. */
  readonly uri: string;
  /** The input structure's shape name; absent for operations without input. */
  readonly input?: string;
}

export interface ModelMember {
  readonly shape: string;
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  /** The wire name when it differs from the member name (a header, a query key). */
  readonly locationName?: string;
}

export interface ModelShape {
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** AWS leaves the value out of a validation message about a sensitive member. */
  readonly sensitive?: boolean;
  readonly required?: readonly string[];
  /** The member that is the whole body (Invoke's Payload), not a JSON field. */
  readonly payload?: string;
  readonly members?: Readonly<Record<string, ModelMember>>;
  /** A list's element shape. */
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
}
