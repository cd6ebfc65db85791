// BENCH_PIN=1 gives the load generator cores of its own: this process (autocannon) is pinned to
// CPU 0 and every server, peer and probe it starts to the other CPUs, so the two sides stop
// taking time slices from each other. On a small machine that is what makes comparisons such as
// gateway-with-auth vs the no-auth proxy repeatable; the servers then have fewer cores, so
// absolute figures drop. Linux only (taskset); needs at least two CPUs.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

let pinned: { loadCpus: string; serverCpus: string } | null | undefined;

/** The CPU split when BENCH_PIN=1 (this process pinned on first use), otherwise undefined. */
export function cpuPinning(): { loadCpus: string; serverCpus: string } | undefined {
  if (pinned !== undefined) return pinned ?? undefined;
  pinned = null;
  if (process.env.BENCH_PIN !== '1') return undefined;
  const cpus = availableParallelism();
  if (cpus < 2) throw new Error('BENCH_PIN=1 needs at least two CPUs');
  pinned = { loadCpus: '0', serverCpus: cpus === 2 ? '1' : `1-${cpus - 1}` };
  execFileSync('taskset', ['-a', '-p', '-c', pinned.loadCpus, String(process.pid)], { stdio: 'ignore' });
  return pinned;
}

export function describePinning(pinning: { loadCpus: string; serverCpus: string } | undefined): string {
  return pinning ? `load generator on CPU ${pinning.loadCpus}, servers on CPU ${pinning.serverCpus} (BENCH_PIN=1)` : 'shared by the load generator and the servers';
}

/** `command args` as started on the servers' CPUs when pinning is on. */
export function onServerCpus(command: string, args: readonly string[]): { command: string; args: readonly string[] } {
  const pinning = cpuPinning();
  return pinning ? { command: 'taskset', args: ['-c', pinning.serverCpus, command, ...args] } : { command, args };
}
