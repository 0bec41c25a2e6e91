/**
 * The one polling wait of the tests: resolves with the first truthy value `cond` returns
 * (checked now and every `everyMs`), or fails after `timeoutMs` naming what it waited for.
 */
export async function until<T>(
  what: string,
  cond: () => T | undefined | null | false | 0 | '',
  timeoutMs = 5000,
  everyMs = 5,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
