import type { AliasRecord, VersionRecord } from '@lamina/core';

interface FunctionVersions {
  readonly versions: Map<string, VersionRecord>;
  readonly aliases: Map<string, AliasRecord>;
  /** The highest number ever used, deleted versions included (numbers are never reused). */
  highest: number;
  versionList: readonly VersionRecord[] | undefined;
  aliasList: readonly AliasRecord[] | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The in-memory view of published versions and aliases, per function: O(1) lookups for the
 * invoke path, sorted lists built lazily for the list APIs.
 */
export class VersionIndex {
  private readonly byFunction = new Map<string, FunctionVersions>();

  getVersion(functionName: string, version: string): VersionRecord | undefined {
    return this.byFunction.get(functionName)?.versions.get(version);
  }

  getAlias(functionName: string, name: string): AliasRecord | undefined {
    return this.byFunction.get(functionName)?.aliases.get(name);
  }

  /** Oldest first. */
  listVersions(functionName: string): readonly VersionRecord[] {
    const f = this.byFunction.get(functionName);
    if (f === undefined) return NONE;
    f.versionList ??= [...f.versions.values()].sort(
      (a, b) => Number(a.version) - Number(b.version),
    );
    return f.versionList;
  }

  /** Sorted by name. */
  listAliases(functionName: string): readonly AliasRecord[] {
    const f = this.byFunction.get(functionName);
    if (f === undefined) return NONE;
    f.aliasList ??= [...f.aliases.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    return f.aliasList;
  }

  /** The newest live version. */
  last(functionName: string): VersionRecord | undefined {
    return this.listVersions(functionName).at(-1);
  }

  /** The number a new version would get. */
  nextNumber(functionName: string): number {
    return (this.byFunction.get(functionName)?.highest ?? 0) + 1;
  }

  /** Names of the aliases that route to `version` (as primary or additional version). */
  aliasesUsing(functionName: string, version: string): string[] {
    return this.listAliases(functionName)
      .filter((a) => a.functionVersion === version || version in a.additionalVersionWeights)
      .map((a) => a.name);
  }

  putVersion(record: VersionRecord): void {
    const f = this.entry(record.functionName);
    f.versions.set(record.version, record);
    f.highest = Math.max(f.highest, Number(record.version));
    f.versionList = undefined;
  }

  /** A deleted version: gone, but its number stays used. */
  removeVersion(functionName: string, version: string): void {
    const f = this.entry(functionName);
    f.versions.delete(version);
    f.highest = Math.max(f.highest, Number(version));
    f.versionList = undefined;
  }

  putAlias(record: AliasRecord): void {
    const f = this.entry(record.functionName);
    f.aliases.set(record.name, record);
    f.aliasList = undefined;
  }

  removeAlias(functionName: string, name: string): void {
    const f = this.byFunction.get(functionName);
    if (f === undefined) return;
    f.aliases.delete(name);
    f.aliasList = undefined;
  }

  removeFunction(functionName: string): void {
    this.byFunction.delete(functionName);
  }

  functionNames(): string[] {
    return [...this.byFunction.keys()];
  }

  private entry(functionName: string): FunctionVersions {
    let f = this.byFunction.get(functionName);
    if (f === undefined) {
      f = {
        versions: new Map(),
        aliases: new Map(),
        highest: 0,
        versionList: undefined,
        aliasList: undefined,
      };
      this.byFunction.set(functionName, f);
    }
    return f;
  }
}

/** The read half of a VersionStore, served from the index a subclass keeps current. */
export abstract class IndexedVersionReads {
  protected index = new VersionIndex();

  getVersion(functionName: string, version: string): VersionRecord | undefined {
    return this.index.getVersion(functionName, version);
  }
  listVersions(functionName: string): readonly VersionRecord[] {
    return this.index.listVersions(functionName);
  }
  getAlias(functionName: string, name: string): AliasRecord | undefined {
    return this.index.getAlias(functionName, name);
  }
  listAliases(functionName: string): readonly AliasRecord[] {
    return this.index.listAliases(functionName);
  }
}
