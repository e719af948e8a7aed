/**
 * The Lambda errors about functions, versions and aliases, with Lambda's exact messages, in one
 * place: every store (memory, files, custom resources) and route raises the same text for the
 * same condition, so clients that match on messages see one behaviour in both modes.
 *
 * Invariant: each factory returns a typed LaminaError subclass (status from the error table);
 * typed as Error because the generated classes do not show `extends Error` to lint.
 */
import { ResourceConflictException, ResourceNotFoundException } from './errors.js';
import { type ArnContext, functionArn } from './names.js';

/** `Function not found: <arn>`, of the function or of one of its versions/aliases. */
export const functionNotFound = (ctx: ArnContext, fn: string, qualifier?: string): Error =>
  new ResourceNotFoundException(`Function not found: ${functionArn(ctx, fn, qualifier)}`);

/** A published version that does not exist (Lambda names the qualified function). */
export const versionNotFound = (ctx: ArnContext, fn: string, version: string): Error =>
  functionNotFound(ctx, fn, version);

export const functionExists = (fn: string): Error =>
  new ResourceConflictException(`Function already exist: ${fn}`);

export const aliasNotFound = (ctx: ArnContext, fn: string, name: string): Error =>
  new ResourceNotFoundException(`Alias not found: ${functionArn(ctx, fn, name)}`);

export const aliasExists = (ctx: ArnContext, fn: string, name: string): Error =>
  new ResourceConflictException(`Alias already exists: ${functionArn(ctx, fn, name)}`);

export const versionInUse = (aliases: readonly string[]): Error =>
  new ResourceConflictException(
    `Unable to delete version because the following aliases reference it: [${aliases.join(', ')}]`,
  );
