// A private redis-server behind a TCP proxy that delays its replies on purpose, so tests exercise the
// cache's timeout path (replies past the 50 ms read timeout) on every run instead of only on a loaded machine.
// Ports 7120-7129 (the faults helper's range); never the shared Redis.
import { createServer, Socket, type Server } from "node:net";
import { startRedisServer, type RedisProcess } from "./helpers.ts";

export interface SlowRedis {
  /** URL of the proxy (what the cache under test connects to). */
  url: string;
  /** URL of the redis-server itself (for a verifier that must not be slowed). */
  directUrl: string;
  /** Delay of each reply chunk from Redis to the client, in ms (called per chunk; order is kept per connection). */
  setDelay(fn: () => number): void;
  /** Replies delayed so far past `thresholdMs`. */
  delayedPast(thresholdMs: number): number;
  server: RedisProcess;
  stop(): Promise<void>;
}

/** Replies delayed at random: one in ten by 40-120 ms (most of those past the 50 ms timeout), the rest by 0-5 ms. */
export const jitteryDelay = () => (Math.random() < 0.1 ? 40 + Math.random() * 80 : Math.random() * 5);

export async function startSlowRedis(redisPort = 7120, proxyPort = 7121): Promise<SlowRedis> {
  const server = await startRedisServer(redisPort);
  let delay: () => number = jitteryDelay;
  const delays: number[] = [];
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client); sockets.add(upstream);
    let last = 0; // replies leave in order: each one no earlier than the previous
    upstream.connect(redisPort, "127.0.0.1");
    client.on("data", (b) => upstream.write(b));
    upstream.on("data", (b) => {
      const d = Math.max(0, delay());
      delays.push(d);
      if (delays.length > 100_000) delays.splice(0, 50_000);
      const at = Math.max(Date.now() + d, last);
      last = at;
      setTimeout(() => { if (!client.destroyed) client.write(b); }, at - Date.now());
    });
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on("close", close); upstream.on("close", close);
    client.on("error", close); upstream.on("error", close);
  });
  await new Promise<void>((resolve, reject) => { proxy.once("error", reject); proxy.listen(proxyPort, "127.0.0.1", () => resolve()); });
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    directUrl: `redis://127.0.0.1:${redisPort}`,
    setDelay(fn) { delay = fn; },
    delayedPast: (t) => delays.filter((d) => d > t).length,
    server,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
      await server.stop();
    },
  };
}
