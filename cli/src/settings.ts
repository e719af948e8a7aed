/**
 * Where the CLI talks to and how it prints: the one reader of the CLI's environment and profile
 * file. Precedence, highest first: the flag, the environment (LAMINA_ENDPOINT, LAMINA_PROFILE,
 * LAMINA_OUTPUT), the named profile, the built-in default (local mode on LAMINA_PORT or 9000).
 *
 * The profile file is JSON: `{"profiles": {"NAME": {"endpoint": "…", "region": "…"}}}` at
 * LAMINA_CONFIG, else $XDG_CONFIG_HOME/lamina/config.json, else ~/.config/lamina/config.json.
 * A missing file is an empty one; a broken one is an error that names the file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import { CliError, EXIT } from './cli-error.js';

export type OutputFormat = 'json' | 'table';

export interface Profile {
  readonly endpoint?: string;
  readonly region?: string;
}

export interface ProfileFile {
  readonly profiles: Readonly<Record<string, Profile>>;
}

export interface Settings {
  readonly endpoint: string;
  readonly region: string;
  readonly output: OutputFormat;
  /** The profile used, when one was. */
  readonly profile: string | undefined;
}

export interface GlobalFlags {
  readonly endpoint?: string;
  readonly profile?: string;
  readonly output?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function profileFilePath(env: Env): string {
  const explicit = env['LAMINA_CONFIG'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'lamina', 'config.json');
}

export function readProfiles(file: string): ProfileFile {
  if (!existsSync(file)) return { profiles: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(
      `the profile file ${file} is not valid JSON (${(err as Error).message}); fix or delete it`,
      EXIT.usage,
    );
  }
  const profiles = (parsed as { profiles?: unknown }).profiles;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw new CliError(`the profile file ${file} has no "profiles" object`, EXIT.usage);
  }
  return { profiles: profiles as Record<string, Profile> };
}

export function writeProfile(file: string, name: string, profile: Profile): void {
  const current = readProfiles(file);
  const next: ProfileFile = { profiles: { ...current.profiles, [name]: profile } };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}

function outputOf(value: string | undefined): OutputFormat {
  if (value === undefined || value === '' || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new CliError(`--output must be json or table, not ${value}`, EXIT.usage);
}

/** Resolves the settings of one run from its flags, environment and profile file. */
export function resolveSettings(flags: GlobalFlags, env: Env): Settings {
  const name = flags.profile ?? env['LAMINA_PROFILE'];
  const file = profileFilePath(env);
  let profile: Profile = {};
  if (name !== undefined && name !== '') {
    const found = readProfiles(file).profiles[name];
    if (found === undefined) {
      throw new CliError(
        `no profile ${name} in ${file}; add it with \`lamina profile set ${name} --endpoint URL\``,
        EXIT.usage,
      );
    }
    profile = found;
  }
  const port =
    env['LAMINA_PORT'] !== undefined && env['LAMINA_PORT'] !== '' ? env['LAMINA_PORT'] : '9000';
  const endpoint =
    flags.endpoint ??
    nonEmpty(env['LAMINA_ENDPOINT']) ??
    profile.endpoint ??
    `http://127.0.0.1:${port}`;
  try {
    new URL(endpoint);
  } catch {
    throw new CliError(
      `the endpoint ${endpoint} is not a URL (e.g. http://127.0.0.1:9000)`,
      EXIT.usage,
    );
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    region: profile.region ?? nonEmpty(env['LAMINA_REGION']) ?? 'us-east-1',
    output: outputOf(flags.output ?? env['LAMINA_OUTPUT']),
    profile: name === '' ? undefined : name,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
