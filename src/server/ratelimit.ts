// Per-caller request limits (user id when signed in, client IP when anonymous): at most
// GRAPHQL_CALLER_MAX_CONCURRENT requests in flight and a token bucket of GRAPHQL_CALLER_RATE_PER_SEC requests
// per second with bursts up to GRAPHQL_CALLER_BURST. Over either: RATE_LIMITED (HTTP 429, Retry-After).
// State is per process (each server process limits on its own).
import { RateLimitedError } from "./budget.ts";

export interface RateLimitSettings { maxConcurrent: number; ratePerSec: number; burst: number }

interface Bucket { tokens: number; at: number; inFlight: number }

export class CallerLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly settings: RateLimitSettings;
  constructor(settings: RateLimitSettings) { this.settings = settings; }

  /** Admits one request of the caller (returns its release) or throws RateLimitedError. */
  admit(key: string, now = Date.now()): () => void {
    const s = this.settings;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 50_000) this.sweep(now);
      b = { tokens: s.burst, at: now, inFlight: 0 };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(s.burst, b.tokens + ((now - b.at) / 1000) * s.ratePerSec);
    b.at = now;
    if (b.inFlight >= s.maxConcurrent) {
      throw new RateLimitedError(`too many concurrent requests from this caller (at most ${s.maxConcurrent})`, 1);
    }
    if (b.tokens < 1) {
      throw new RateLimitedError(`too many requests from this caller (at most ${s.ratePerSec}/s)`, Math.max(1, Math.ceil((1 - b.tokens) / s.ratePerSec)));
    }
    b.tokens -= 1;
    b.inFlight++;
    const bucket = b;
    let done = false;
    return () => { if (!done) { done = true; bucket.inFlight--; } };
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.inFlight === 0 && b.tokens + ((now - b.at) / 1000) * this.settings.ratePerSec >= this.settings.burst) this.buckets.delete(k);
    }
  }
}
