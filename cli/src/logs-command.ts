import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { once } from 'node:events';

import { FunctionLogs } from './function-logs.js';

/** `lamina logs <function> [--follow]`: prints a function's log file of the local state dir. */
export async function printLogs(
  dir: string,
  functionName: string,
  follow: boolean,
  out: NodeJS.WritableStream,
): Promise<void> {
  const file = FunctionLogs.fileOf(dir, functionName);
  if (!existsSync(file) && !follow) {
    throw new Error(`no logs for ${functionName} yet (looked in ${file})`);
  }
  let offset = 0;
  const drain = async (): Promise<void> => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const stream = createReadStream(file, { start: offset, end: size - 1 });
    stream.pipe(out, { end: false });
    await once(stream, 'end');
    offset = size;
  };
  await drain();
  if (!follow) return;
  const watcher = watch(dir, () => void drain());
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  watcher.close();
}
