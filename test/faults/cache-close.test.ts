// TieredCache.close() releases what the cache opened (its bus subscriber; the client too when it owns it) and
// leaves a caller's client connected: no connection and no listener of the cache survives it.
import client from "prom-client";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisClient, TieredCache } from "../../src/cache/index.ts";
import { testRedisUrl } from "../harness/db.ts";
import { eventually, randomNamespace } from "../cache/helpers.ts";

const url = testRedisUrl();

describe.skipIf(!url)("faults: TieredCache.close()", () => {
  it("quits its bus subscriber and leaves the caller's client connected, without the cache's error listener", async () => {
    const redis = createRedisClient({ url: url! }) as Redis;
    const ownListeners = redis.listenerCount("error");
    const cache = new TieredCache({ redis, namespace: randomNamespace("close"), registry: new client.Registry() });
    await eventually(() => cache.localTierActive);
    const sub = (cache as unknown as { subscriber: Redis }).subscriber;
    expect(sub.status).toBe("ready");
    expect(redis.listenerCount("error")).toBe(ownListeners + 1);
    await cache.close();
    await eventually(() => sub.status === "end");
    expect(redis.status).toBe("ready"); // the caller's: still usable
    expect(await redis.ping()).toBe("PONG");
    expect(redis.listenerCount("error")).toBe(ownListeners);
    await cache.close(); // idempotent
    await redis.quit();
  });

  it("with ownsClient (createCacheFromEnv), quits the client too", async () => {
    const redis = createRedisClient({ url: url! }) as Redis;
    const cache = new TieredCache({ redis, namespace: randomNamespace("close-own"), registry: new client.Registry(), ownsClient: true });
    await eventually(() => cache.localTierActive);
    await cache.close();
    await eventually(() => redis.status === "end");
  });
});
