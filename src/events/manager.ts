// The projection manager: one runner per projection, each on its own connection holding a session advisory
// lock, so exactly one runner per projection is active across every worker process (the others stand by and
// take over when the holder's connection goes away). Runners catch up in batches, then sleep until a
// LISTEN/NOTIFY wake-up on `linkflow_events` or the polling interval, whichever comes first.
import pg from "pg";
import { guardClient } from "../db/pool.ts";
import { logger } from "../logger.ts";
import { LOCK_NS, runBatch } from "./batch.ts";
import { liveTable, type Projection, type ProjectionContext } from "./projection.ts";
import type { Upcasters } from "./upcasters.ts";

export interface ProjectionManagerOptions {
  /** Owner connection string: each runner and the listener open their own connection. */
  connectionString: string;
  projections: Projection[];
  batchSize?: number;
  /** Polling fallback when no notification arrives (ms). Default 250. */
  pollIntervalMs?: number;
  /** How often a standby runner retries the lock (ms). Default 2000. */
  standbyRetryMs?: number;
  /** LISTEN for append notifications (default true). */
  listen?: boolean;
  upcasters?: Upcasters;
  applicationName?: string;
}

type RunnerOptions = Required<Pick<ProjectionManagerOptions, "connectionString" | "batchSize" | "pollIntervalMs" | "standbyRetryMs">> & ProjectionManagerOptions;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Runner {
  readonly projection: Projection;
  readonly #o: RunnerOptions;
  client: pg.Client | null = null;
  active = false;
  stopped = false;
  batches = 0;
  eventsApplied = 0;
  #wake: (() => void) | null = null;
  #pendingWake = false;
  #idleWaiters: { minBatch: number; resolve: () => void }[] = [];
  #loop: Promise<void> | null = null;

  constructor(projection: Projection, o: RunnerOptions) {
    this.projection = projection;
    this.#o = o;
  }

  start(): void { this.#loop = this.#run(); }

  wake(): void {
    this.#pendingWake = true;
    this.#wake?.();
  }

  /** Resolves after a batch that started after this call found nothing to do. */
  untilIdle(): Promise<void> {
    return new Promise((resolve) => { this.#idleWaiters.push({ minBatch: this.batches + 1, resolve }); this.wake(); });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.#loop;
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#pendingWake) { this.#pendingWake = false; return; }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() { clearTimeout(t); resolve(); }
      this.#wake = done;
    });
    this.#wake = null;
    this.#pendingWake = false;
  }

  async #connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.#o.connectionString, application_name: `${this.#o.applicationName ?? "linkflow"}:projection:${this.projection.name}` });
    guardClient(c, `projection:${this.projection.name}`); // a dead backend fails the next query; the loop reconnects
    await c.connect();
    await c.query("insert into app_private.projection_checkpoints (name) values ($1) on conflict (name) do nothing", [this.projection.name]);
    return c;
  }

  async #drop(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.active = false;
    await c?.end().catch(() => {});
  }

  async #run(): Promise<void> {
    const ctx = (client: pg.ClientBase): ProjectionContext => ({ client, mode: "live", table: liveTable });
    let failures = 0;
    while (!this.stopped) {
      try {
        this.client ??= await this.#connect();
        if (!this.active) {
          const { rows } = await this.client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as ok", [LOCK_NS.runner, this.projection.name]);
          this.active = rows[0]!.ok;
          if (!this.active) { this.#releaseIdle(true); await this.#sleep(this.#o.standbyRetryMs); continue; }
          logger.info({ projection: this.projection.name }, "projection runner active");
        }
        const batchNo = ++this.batches;
        const n = await runBatch(this.client, {
          projection: this.projection, ctx: ctx(this.client), checkpointTable: "app_private.projection_checkpoints",
          batchSize: this.#o.batchSize, upcasters: this.#o.upcasters, batchLock: true,
        });
        failures = 0;
        this.eventsApplied += n;
        if (n === 0) {
          this.#releaseIdle(false, batchNo);
          await this.#sleep(this.#o.pollIntervalMs);
        }
      } catch (e) {
        failures++;
        logger.warn({ projection: this.projection.name, err: (e as Error).message }, "projection runner failed; reconnecting");
        await this.#drop();
        if (!this.stopped) await sleep(Math.min(5000, 50 * 2 ** Math.min(failures, 7)));
      }
    }
    if (this.client) {
      await this.client.query("select pg_advisory_unlock($1, hashtext($2))", [LOCK_NS.runner, this.projection.name]).catch(() => {});
    }
    await this.#drop();
    this.#releaseIdle(true);
  }

  #releaseIdle(all: boolean, batchNo = 0): void {
    this.#idleWaiters = this.#idleWaiters.filter((w) => {
      if (all || batchNo >= w.minBatch) { w.resolve(); return false; }
      return true;
    });
  }
}

export class ProjectionManager {
  readonly runners: Runner[];
  readonly #o: ProjectionManagerOptions;
  #listener: pg.Client | null = null;
  #stopped = false;
  notifications = 0;

  constructor(o: ProjectionManagerOptions) {
    this.#o = o;
    const names = new Set<string>();
    for (const p of o.projections) {
      if (names.has(p.name)) throw new Error(`duplicate projection name ${p.name}`);
      names.add(p.name);
    }
    const ro = { batchSize: 1000, pollIntervalMs: 250, standbyRetryMs: 2000, ...o };
    this.runners = o.projections.map((p) => new Runner(p, ro));
  }

  async start(): Promise<void> {
    if (this.#o.listen !== false) await this.#listen();
    for (const r of this.runners) r.start();
  }

  async #listen(): Promise<void> {
    const c = new pg.Client({ connectionString: this.#o.connectionString, application_name: `${this.#o.applicationName ?? "linkflow"}:projection-listener` });
    c.on("notification", () => { this.notifications++; this.wake(); });
    let lost = false;
    c.on("error", (err) => {
      // pg may emit twice for one dead connection (the FATAL, then the close): react once.
      if (lost) return;
      lost = true;
      logger.warn({ err: err.message }, "projection listener lost; polling until it reconnects");
      if (this.#listener === c) this.#listener = null;
      c.end().catch(() => {});
      this.#relisten(1000);
    });
    try {
      await c.connect();
      await c.query("listen linkflow_events");
    } catch (e) {
      lost = true;
      await c.end().catch(() => {});
      throw e;
    }
    this.#listener = c;
    // Notifications sent while no listener was connected are lost: catch up now.
    this.wake();
  }

  /** Reconnects the listener after delayMs, retrying (with backoff, up to 10 s) until it works or stop(). */
  #relisten(delayMs: number): void {
    if (this.#stopped) return;
    setTimeout(() => {
      if (this.#stopped || this.#listener) return;
      this.#listen().catch(() => this.#relisten(Math.min(10_000, delayMs * 2)));
    }, delayMs).unref();
  }

  /** Wakes every runner now (what a notification does). */
  wake(): void {
    for (const r of this.runners) r.wake();
  }

  /** Resolves when every active runner of this manager has caught up with what is visible now. */
  async drain(): Promise<void> {
    await Promise.all(this.runners.filter((r) => r.active).map((r) => r.untilIdle()));
  }

  status(): { name: string; active: boolean; batches: number; eventsApplied: number }[] {
    return this.runners.map((r) => ({ name: r.projection.name, active: r.active, batches: r.batches, eventsApplied: r.eventsApplied }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.runners.map((r) => r.stop()));
    const l = this.#listener;
    this.#listener = null;
    await l?.end().catch(() => {});
  }
}
