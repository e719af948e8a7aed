import { closeSync, openSync, readSync } from 'node:fs';

export interface MemoryUsage {
  /** Resident set size now, in kB. */
  readonly rssKb: number;
  /** Peak resident set size (VmHWM) of the process so far, in kB. */
  readonly hwmKb: number;
}

function field(text: string, name: string): number {
  const at = text.indexOf(name);
  if (at < 0) return 0;
  return parseInt(text.slice(at + name.length, text.indexOf('\n', at)), 10) || 0;
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
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const text = this.buf.toString('latin1', 0, n);
      const rssKb = field(text, 'VmRSS:');
      const hwmKb = field(text, 'VmHWM:');
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
