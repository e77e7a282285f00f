// Polls until a condition holds. The event store's horizon is cluster-wide: on a shared server another
// session's open writer can delay visibility for a moment, so visibility checks wait instead of assuming.
export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 150_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(v, (_, x) => typeof x === "bigint" ? x.toString() : x)?.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
