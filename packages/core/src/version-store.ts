import type { AliasRecord, VersionRecord } from './versions.js';

/** What `publish` decides, given the newest live version and the number a new one would get. */
export type PublishDecision =
  | { readonly kind: 'create'; readonly record: VersionRecord }
  | { readonly kind: 'existing'; readonly record: VersionRecord };

/**
 * Where published versions and aliases live: files next to the function records (local mode)
 * or FunctionVersion/Alias custom resources (cluster mode). Reads are synchronous and served
 * from memory because qualifier resolution sits on the invoke path. Every write raises the
 * Lambda error its API names (ResourceNotFoundException, ResourceConflictException,
 * PreconditionFailedException from the callbacks).
 */
export interface VersionStore {
  getVersion(functionName: string, version: string): VersionRecord | undefined;
  /** Published versions, oldest first. */
  listVersions(functionName: string): readonly VersionRecord[];
  getAlias(functionName: string, name: string): AliasRecord | undefined;
  /** Aliases sorted by name. */
  listAliases(functionName: string): readonly AliasRecord[];
  /**
   * Publishes a version. `decide` runs while the function's versions are locked, with the
   * newest live version and the next number (greater than any number ever used for this
   * function); it returns the record to create or an existing one (nothing changed).
   */
  publish(
    functionName: string,
    decide: (last: VersionRecord | undefined, nextVersion: string) => PublishDecision,
  ): Promise<PublishDecision>;
  /** ResourceNotFoundException when missing, ResourceConflictException while an alias uses it. */
  deleteVersion(functionName: string, version: string): Promise<void>;
  /** ResourceConflictException when the alias exists. */
  createAlias(alias: AliasRecord): Promise<void>;
  /** `change` sees the stored alias (checks RevisionId) and returns the next one. */
  updateAlias(
    functionName: string,
    name: string,
    change: (current: AliasRecord) => AliasRecord,
  ): Promise<AliasRecord>;
  /** ResourceNotFoundException when missing. */
  deleteAlias(functionName: string, name: string): Promise<void>;
  /** Removes every version and alias of a deleted function; numbering starts again at 1. */
  deleteFunction(functionName: string): Promise<void>;
  /** Called with a function's name whenever its versions or aliases change (by anyone). */
  onChange(listener: (functionName: string) => void): () => void;
  close(): Promise<void>;
}
