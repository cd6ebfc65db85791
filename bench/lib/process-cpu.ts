// CPU time a server process has used (user + system, all its threads), read from
// /proc/<pid>/stat. Divided by the requests it served in a run, it tells what one
// request costs that server, a figure that other processes competing for the
// machine skew far less than req/s or latency. Linux only: elsewhere undefined.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second, the unit of /proc/<pid>/stat's times (almost always 100). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Milliseconds of CPU `pid` has used so far, or undefined when it cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, so 12 and 13 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

/** Measures the CPU `pid` uses while `run` runs. */
export async function withProcessCpu<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; cpuMs: number | undefined }> {
  const before = processCpuMs(pid);
  const result = await run();
  const after = processCpuMs(pid);
  return { result, cpuMs: before === undefined || after === undefined ? undefined : after - before };
}
