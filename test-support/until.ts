/** Waits until `cond` holds, polling every few milliseconds; rejects naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
