// Resident memory of a server process, read from /proc/<pid>/status (Linux only: elsewhere
// undefined). Read after a run, it tells what the server holds for the data it served.
import { readFileSync } from 'node:fs';

/** The process's resident set size in MiB, or undefined when it cannot be read. */
export function processRssMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
