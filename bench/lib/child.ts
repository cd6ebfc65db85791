// Servers under test run as child processes so that they never share an event
// loop (or a CPU-time budget) with the load generator. This module starts one,
// waits until a readiness URL answers 2xx, and guarantees it is killed when the
// benchmark ends — normally, by exception, or by SIGINT/SIGTERM/SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { onServerCpus } from './cpu-pinning.js';

export interface ChildServerOptions {
  /** Label used in log lines and error messages. */
  name: string;
  /** Executable; defaults to the running node binary. */
  command?: string;
  args: readonly string[];
  cwd?: string;
  /** Added on top of this process's environment. */
  env?: Readonly<Record<string, string>>;
  /** Polled with GET until it answers 2xx. */
  readyUrl: string;
  readyTimeoutMs?: number;
  /** Echo the child's output to stderr (default: when BENCH_VERBOSE=1). */
  echoOutput?: boolean;
}

export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  /** The last lines the child wrote (stdout and stderr), for diagnostics. */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/** Arguments that run a TypeScript entry point under tsx in a plain node process (no npx/tsx wrapper process in between). */
export function tsxArgs(script: string, ...args: string[]): string[] {
  return ['--import', 'tsx', script, ...args];
}

const OUTPUT_LINES_KEPT = 40;
const STOP_GRACE_MS = 5_000;
const READY_POLL_MS = 100;

/** Running children and how to stop each. */
const live = new Map<ChildProcess, () => Promise<void>>();
/** See registerCleanup. */
const cleanups = new Set<() => void>();
let cleanupInstalled = false;

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  installCleanup();
  const { name } = options;
  const { command, args } = onServerCpus(options.command ?? process.execPath, options.args);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so stop() also reaches grandchildren (e.g. a server
    // that forks workers) via kill(-pid). It also means a terminal Ctrl-C does
    // not hit the child directly; the signal handlers below forward it.
    detached: true,
  });
  const { pid } = child;
  if (pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT); the 'error' event carries the cause.
    const [err] = (await once(child, 'error')) as [Error];
    throw new Error(`${name}: could not start: ${err.message}`);
  }

  const recent: string[] = [];
  const echo = options.echoOutput ?? process.env.BENCH_VERBOSE === '1';
  for (const stream of [child.stdout, child.stderr]) {
    // Always drain the pipes: a child blocked on a full pipe would skew the figures.
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > OUTPUT_LINES_KEPT) recent.shift();
      if (echo) process.stderr.write(`[${name}] ${line}\n`);
    });
  }

  // 'close' rather than 'exit': it fires once stdout/stderr are drained too,
  // so recentOutput() holds the child's last words when start-up fails.
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    killGroup(child, 'SIGKILL'); // reap any grandchildren left behind
  };
  live.set(child, stop);

  const server: ChildServer = { name, pid, recentOutput: () => recent.join('\n'), stop };

  try {
    await waitUntilReady(options.readyUrl, options.readyTimeoutMs ?? 60_000, exited);
  } catch (err) {
    await server.stop();
    const output = server.recentOutput();
    throw new Error(`${name}: ${(err as Error).message}${output ? `\n--- last output of ${name} ---\n${output}` : ''}`, {
      cause: err,
    });
  }
  return server;
}

export interface ChildRunOptions {
  name: string;
  command?: string;
  args: readonly string[];
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  /** Killed (whole process group) after this long. */
  timeoutMs: number;
}

/**
 * Runs a program that measures something and exits (e.g. a probe in bench/probes/), in its own
 * process group like the servers, and returns its stdout. Killed on timeout and, like the
 * servers, whenever this process ends. Fails on a non-zero exit.
 */
export async function runChildToCompletion(options: ChildRunOptions): Promise<string> {
  installCleanup();
  const { command, args } = onServerCpus(options.command ?? process.execPath, options.args);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    const [err] = (await once(child, 'error')) as [Error];
    throw new Error(`${options.name}: could not start: ${err.message}`);
  }
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
    if (process.env.BENCH_VERBOSE === '1') process.stderr.write(`[${options.name}] ${chunk}`);
  });
  const closed = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  live.set(child, async () => {
    killGroup(child, 'SIGKILL');
    await closed;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, options.timeoutMs);
  const status = await closed;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // reap any grandchildren left behind
  if (timedOut) throw new Error(`${options.name}: killed after ${options.timeoutMs} ms${stderr ? `\n${stderr}` : ''}`);
  if (status !== 0) throw new Error(`${options.name}: exited (${status})${stderr ? `\n${stderr}` : ''}`);
  return stdout;
}

/**
 * Something other than a child process to release whenever the children are stopped, e.g. a
 * PostgreSQL server started through pg_ctl (daemonised, so not in our process tree). Released
 * after the children, which may still be using it. Synchronous, so that the 'exit' handler can
 * run it too. Returns a function that unregisters it (for a caller that released it itself).
 */
export function registerCleanup(release: () => void): () => void {
  installCleanup();
  cleanups.add(release);
  return () => {
    cleanups.delete(release);
  };
}

/** Stops every child started by this module that is still running, then runs the registered cleanups. */
export async function stopAllChildServers(): Promise<void> {
  await Promise.all([...live.values()].map((stop) => stop()));
  runCleanups();
}

function runCleanups(): void {
  for (const release of [...cleanups]) {
    cleanups.delete(release);
    try {
      release();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${(err as Error).message}\n`);
    }
  }
}

async function waitUntilReady(url: string, timeoutMs: number, exited: Promise<number | string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitStatus: number | string | undefined;
  void exited.then((status) => { exitStatus = status; });
  let lastProblem = 'no answer yet';

  while (Date.now() < deadline) {
    if (exitStatus !== undefined) throw new Error(`exited (${exitStatus}) before ${url} answered 2xx`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer(); // release the connection
      if (response.ok) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (err) {
      // fetch wraps the socket error; its cause says e.g. ECONNREFUSED while the server boots.
      const { message, cause } = err as Error & { cause?: { code?: string; message?: string } };
      lastProblem = cause?.code ?? cause?.message ?? message;
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (last: ${lastProblem})`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the whole group is already gone.
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // 'exit' handlers must be synchronous: no grace period, just make sure nothing outlives us.
  process.once('exit', () => {
    for (const child of live.keys()) killGroup(child, 'SIGKILL');
    runCleanups();
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nreceived ${signal}: stopping ${live.size} child server(s)\n`);
      void stopAllChildServers().finally(() => process.exit(code));
    });
  }
}
