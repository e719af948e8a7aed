import { fileURLToPath } from 'node:url';

/** Absolute path of the runtime's entry point: run it as `node <bootstrapPath>`, cwd = task root. */
export const bootstrapPath = fileURLToPath(new URL('./bootstrap.js', import.meta.url));

/** The runtime identifiers this package serves. */
export const RUNTIME_IDS = ['nodejs22.x'] as const;
