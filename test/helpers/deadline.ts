/** Waiting on a condition up to a deadline: tests poll, they never assert timings. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns true or `ms` pass; returns whether it did. A throw counts as false. */
export async function within(ms: number, check: () => Promise<boolean>, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
