import { describe, expect, it } from 'vitest';
import { bwrapArgs, type BwrapPlan } from './bwrap-args.js';

const plan: BwrapPlan = {
  system: [
    { path: '/usr', source: '/usr' },
    { path: '/lib', symlinkTo: 'usr/lib' },
    { path: '/etc/resolv.conf', source: '/etc/resolv.conf' },
  ],
  taskDir: '/state/code/abc',
  tmpSizeMb: 512,
  runtimePaths: ['/home/u/.cache/lamina/node/bin/node'],
  maxOpenFiles: 1024,
  maxProcesses: 1024,
  infoFd: 3,
  command: ['/home/u/.cache/lamina/node/bin/node', '/repo/runtimes/nodejs/dist/bootstrap.js'],
};

/** The value following `flag` at each of its occurrences. */
const after = (args: string[], flag: string): string[][] =>
  args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 3)] : []));

describe('bwrapArgs', () => {
  it('builds Lambda paths read-only on an empty root, /tmp sized, the host network kept', () => {
    const args = bwrapArgs(plan);
    expect(args.slice(0, 4)).toEqual([
      '--die-with-parent',
      '--new-session',
      '--unshare-all',
      '--share-net',
    ]);
    expect(after(args, '--ro-bind')).toEqual([
      ['/home/u/.cache/lamina/node/bin/node', '/home/u/.cache/lamina/node/bin/node'],
      ['/state/code/abc', '/var/task'],
    ]);
    expect(after(args, '--ro-bind-try')).toEqual([
      ['/usr', '/usr'],
      ['/etc/resolv.conf', '/etc/resolv.conf'],
    ]);
    expect(after(args, '--symlink')).toEqual([['usr/lib', '/lib']]);
    expect(args.join(' ')).toContain(`--size ${String(512 * 1024 * 1024)} --tmpfs /tmp`);
    expect(after(args, '--dir')).toEqual([['/opt', '--chdir']]);
    expect(args.join(' ')).toContain('--chdir /var/task --info-fd 3 --');
    expect(args).not.toContain('--bind');
  });

  it('starts the command through the limits script with 1,024 files and tasks', () => {
    const args = bwrapArgs(plan);
    const sep = args.indexOf('--');
    expect(args.slice(sep + 1, sep + 3)).toEqual(['/bin/sh', '-c']);
    expect(args[sep + 3]).toContain('ulimit -n "$1"');
    expect(args.slice(sep + 4)).toEqual(['sh', '1024', '1024', ...plan.command]);
  });

  it('shows the layers at /opt and a runtime root filesystem as /', () => {
    const args = bwrapArgs({
      ...plan,
      optDir: '/state/opt/d1',
      rootfs: '/cache/rootfs/python3.13',
    });
    expect(args.slice(0, 3)).toEqual(['--ro-bind', '/cache/rootfs/python3.13', '/']);
    expect(after(args, '--ro-bind')).toContainEqual(['/state/opt/d1', '/opt']);
    expect(args).not.toContain('--dir');
  });
});
