import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly ppid: number;
  readonly cpuSeconds: number;
}

function readStat(pid: number, tid?: number): ProcStat | undefined {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const text = readFileSync(path, 'utf8');
    // Fields after the parenthesised command: state ppid … utime(14) stime(15) cutime cstime.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The live processes of a tree: `rootPid` and all its descendants, with their stats. */
function treeOf(rootPid: number): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === rootPid) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  for (const pid of [...stats.keys()]) if (!inTree(pid)) stats.delete(pid);
  return stats;
}

/**
 * CPU seconds (user + system) used so far by a process and all its live descendants. Unlike a
 * wall-clock profile this is not inflated when other work on the machine preempts us, so it
 * shows where a request's cost goes.
 */
export function cpuOfTree(rootPid: number): number {
  let total = 0;
  for (const stat of treeOf(rootPid).values()) total += stat.cpuSeconds;
  return total;
}

/** One live process of a tree: its command (`comm`), CPU seconds and wake-ups so far. */
export interface ProcessUsage {
  readonly pid: number;
  readonly command: string;
  readonly cpuSeconds: number;
  /** Voluntary context switches of all its threads: how often it slept and was woken. */
  readonly wakeups: number;
}

function wakeupsOf(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
  } catch {
    // exited meanwhile
  }
  return total;
}

/** CPU and wake-ups of `rootPid` and each live descendant. */
export function usageOfTree(rootPid: number): ProcessUsage[] {
  const out: ProcessUsage[] = [];
  for (const [pid, stat] of treeOf(rootPid)) {
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // exited meanwhile
    }
    out.push({ pid, command, cpuSeconds: stat.cpuSeconds, wakeups: wakeupsOf(pid) });
  }
  return out;
}

/** CPU seconds used so far by one process's main thread (its event loop), not its other threads. */
export function cpuOfMainThread(pid: number): number {
  return readStat(pid, pid)?.cpuSeconds ?? 0;
}

/** CPU seconds used so far by one process, all its threads. */
export function cpuOfProcess(pid: number): number {
  return readStat(pid)?.cpuSeconds ?? 0;
}

/**
 * Bytes a process has read so far through read-like system calls, sockets included (`rchar` of
 * /proc/<pid>/io): what a server took off its connections (and files) in a window.
 */
export function bytesReadOf(pid: number): number {
  try {
    const m = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of one process, in MB: all of it, and the private (anonymous) part. */
export interface ProcessMemory {
  readonly pid: number;
  readonly command: string;
  readonly rssMb: number;
  /** RssAnon: memory this process alone holds (file pages, e.g. the binary's code, are shared). */
  readonly anonMb: number;
  /** Pss (smaps_rollup): its resident memory with each shared page divided among its sharers. */
  readonly pssMb: number;
}

function memoryOf(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (text: string, name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const command = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
    return {
      pid,
      command,
      rssMb: kb(status, 'VmRSS') / 1024,
      anonMb: kb(status, 'RssAnon') / 1024,
      pssMb: kb(rollup, 'Pss') / 1024,
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** A process's resident memory by what it maps, in MB (from /proc/<pid>/smaps). */
export interface ResidentByMapping {
  /** File pages of the executable (for Node.js: V8's builtins, the snapshot, ICU). */
  readonly executable: number;
  /** File pages of shared libraries (libc, libstdc++ …). */
  readonly libraries: number;
  /** Other files mapped (none, or little, in an idle interpreter). */
  readonly otherFiles: number;
  /** Anonymous memory: the malloc heap, V8's heap and code spaces, thread stacks. */
  readonly anonymous: number;
}

/** Groups a process's resident pages by mapping; undefined when it is gone. */
export function residentByMapping(pid: number): ResidentByMapping | undefined {
  let text: string;
  let exe: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined; // exited meanwhile
  }
  const kb = { executable: 0, libraries: 0, otherFiles: 0, anonymous: 0 };
  let group: keyof typeof kb = 'anonymous';
  for (const line of text.split('\n')) {
    // A mapping's first line: `start-end perms offset dev inode [path]`.
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      const path = head[1] ?? '';
      group = !path.startsWith('/')
        ? 'anonymous'
        : path === exe
          ? 'executable'
          : /\.so(\.|$)/.test(path)
            ? 'libraries'
            : 'otherFiles';
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss !== null) kb[group] += Number(rss[1]);
  }
  const mb = (n: number): number => Math.round((n / 1024) * 10) / 10;
  return {
    executable: mb(kb.executable),
    libraries: mb(kb.libraries),
    otherFiles: mb(kb.otherFiles),
    anonymous: mb(kb.anonymous),
  };
}

/** The memory of each live descendant of `rootPid` (not the root itself). */
export function memoryOfDescendants(rootPid: number): ProcessMemory[] {
  const out: ProcessMemory[] = [];
  for (const pid of treeOf(rootPid).keys()) {
    if (pid === rootPid) continue;
    const m = memoryOf(pid);
    if (m !== undefined) out.push(m);
  }
  return out;
}

/** The memory of one process. */
export function memoryOfPid(pid: number): ProcessMemory | undefined {
  return memoryOf(pid);
}

/** CPU seconds used so far by one process alone. */
export function cpuOfPid(pid: number): number {
  return readStat(pid)?.cpuSeconds ?? 0;
}

/** CPU seconds of this process (the load generator). */
export function selfCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The write-type system calls (write, writev, …) a process has made so far (/proc/<pid>/io). */
export function writeSyscallsOfPid(pid: number): number {
  try {
    return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited meanwhile
  }
}
