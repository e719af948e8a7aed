import { packZip } from '@lamina/service-kit/pack-zip';

/** Builds a .zip (stored, no compression) from file name → content; enough for test packages. */
export function makeZip(files: Readonly<Record<string, string | Buffer>>, mode = 0o644): Buffer {
  return packZip(
    Object.entries(files).map(([name, content]) => ({
      name,
      data: typeof content === 'string' ? Buffer.from(content) : content,
      mode,
    })),
    { deflate: false },
  );
}
