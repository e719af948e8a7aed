import { closeSync, openSync, readSync } from 'node:fs';

export interface MemoryUsage {
  /** Resident set size now, in kB. */
  readonly rssKb: number;
  /** Peak resident set size (VmHWM) of the process so far, in kB. */
  readonly hwmKb: number;
}

const VM_RSS = Buffer.from('\nVmRSS:', 'latin1');
const VM_HWM = Buffer.from('\nVmHWM:', 'latin1');

/** The kB number after `name` in the first `length` bytes of `buf`; 0 when it is not there. */
function fieldKb(buf: Buffer, length: number, name: Buffer): number {
  const at = buf.indexOf(name);
  if (at < 0 || at + name.length > length) return 0;
  let i = at + name.length;
  while (i < length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let kb = 0;
  for (let c = buf[i] ?? 0; i < length && c >= 0x30 && c <= 0x39; c = buf[++i] ?? 0) {
    kb = kb * 10 + c - 0x30;
  }
  return kb;
}

/**
 * Reads a process's memory from /proc/<pid>/status through one file descriptor kept open for the
 * process's life (a pread per sample, no path lookups). Linux only: elsewhere every read returns
 * undefined. Remembers the last sample, which stays valid after the process is gone.
 */
export class ProcStatus {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(4096);
  private last: MemoryUsage | undefined;

  constructor(pid: number) {
    try {
      this.fd = openSync(`/proc/${pid}/status`, 'r');
    } catch {
      this.fd = undefined;
    }
  }

  read(): MemoryUsage | undefined {
    if (this.fd === undefined) return this.last;
    try {
      // Read in place: no string of the ~1.4 KB file per sample (ADR 0056).
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const rssKb = fieldKb(this.buf, n, VM_RSS);
      const hwmKb = fieldKb(this.buf, n, VM_HWM);
      // A zombie has no memory lines; keep the last real sample.
      if (hwmKb > 0) this.last = { rssKb, hwmKb };
    } catch {
      // The process is gone.
    }
    return this.last;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
