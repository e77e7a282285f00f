// The one reader of the event log per server process. It follows the gap-free global read
// (app_private.read_all_events, checkpointed on (transaction_id, global_position)), woken by the event store's
// NOTIFY on linkflow_events and by a short polling fallback (the wake-up is gated to one notifier at a time, so
// a commit may come without one). Membership changes arrive on linkflow_memberships. Every batch it reads is
// handed to its listener (the hub) in order; nothing is read twice and nothing is skipped.
import pg from "pg";
import { logger } from "../logger.ts";
import type { Checkpoint } from "../events/index.ts";
import { encodeCursor } from "./cursor.ts";
import type { LiveEvent } from "./types.ts";

export interface LogReaderOptions {
  /** Owner pool: reads app_private.read_all_events. */
  pool: pg.Pool;
  /** Connection for LISTEN (a dedicated client is opened with it). */
  connectionString: string;
  pollMs: number;
  /**
   * Least time between the starts of two reads (ms). Under a stream of commits every NOTIFY would start a read
   * of one or two events; spacing reads gathers the commits of that interval into one read and one fan-out
   * batch, at the price of at most this much added latency. 0: read on every wake-up.
   */
  minReadIntervalMs?: number;
  pageSize?: number;
  onEvents(events: LiveEvent[], checkpoint: Checkpoint): void;
  onMembershipChange(teamIds: string[] | "all"): void;
}

// The global read of app_private.read_all_events (same predicate, order and bound: the checkpoint pair, and only
// transactions older than the current snapshot's xmin), written as a plain statement that is prepared once per
// connection (named): that function carries a SET clause, so it cannot be inlined and every call would parse and
// plan its body again. test/live/hub.test.ts checks both answer the same rows.
export const READ_SQL = `select e.global_position::text, e.transaction_id::text, e.stream_id, e.stream_type, e.stream_version::text,
    e.event_id, e.type, e.data, e.metadata, e.team_id, e.created_at
  from app_public.events e
 where (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
   and e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
 order by e.transaction_id, e.global_position
 limit $3::integer`;
const READ_STATEMENT = "linkflow_live_read_events";

const LIVE_END_SQL = `select transaction_id::text, global_position::text from app_public.events
  where transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
  order by transaction_id desc, global_position desc limit 1`;

export interface EventRowText {
  global_position: string; transaction_id: string; stream_id: string; stream_type: string; stream_version: string;
  event_id: string; type: string; data: unknown; metadata: unknown; team_id: string | null; created_at: Date;
}

export function toLiveEvent(r: EventRowText): LiveEvent {
  const checkpoint = { transactionId: BigInt(r.transaction_id), globalPosition: BigInt(r.global_position) };
  return {
    checkpoint,
    cursor: encodeCursor(checkpoint),
    globalPosition: r.global_position,
    eventId: r.event_id,
    type: r.type,
    streamId: r.stream_id,
    streamType: r.stream_type,
    streamVersion: r.stream_version,
    teamId: r.team_id,
    data: r.data,
    metadata: r.metadata,
    createdAt: r.created_at,
  };
}

/** The checkpoint of the newest readable event (the live end), or the start when the log is empty. */
export async function liveEnd(pool: pg.Pool): Promise<Checkpoint> {
  const { rows } = await pool.query<{ transaction_id: string; global_position: string }>(LIVE_END_SQL);
  return rows[0] ? { transactionId: BigInt(rows[0].transaction_id), globalPosition: BigInt(rows[0].global_position) }
    : { transactionId: 0n, globalPosition: 0n };
}

export class LogReader {
  readonly #opts: LogReaderOptions;
  #checkpoint: Checkpoint = { transactionId: 0n, globalPosition: 0n };
  #listener: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #reading: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #lastRead = 0;
  #spaced: NodeJS.Timeout | null = null;
  /** Database round trips made by the reader (the live bench reports queries per delivered message). */
  queries = 0;

  constructor(opts: LogReaderOptions) {
    this.#opts = opts;
  }

  get checkpoint(): Checkpoint { return this.#checkpoint; }

  async start(): Promise<void> {
    this.#checkpoint = await liveEnd(this.#opts.pool);
    this.queries++;
    this.#running = true;
    await this.#listen().catch((e) => logger.warn({ err: e }, "live: LISTEN failed; polling only until it reconnects"));
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#spaced) clearTimeout(this.#spaced);
    await this.#reading?.catch(() => {});
    const l = this.#listener;
    this.#listener = null;
    await l?.end().catch(() => {});
  }

  /** Reads now (coalesced with a read in flight). */
  wake(): void {
    if (!this.#running || this.#spaced) return; // a spaced read is already due: it reads what this wake-up would
    if (this.#reading) { this.#again = true; return; }
    const wait = this.#lastRead + (this.#opts.minReadIntervalMs ?? 0) - performance.now();
    if (wait > 0) {
      this.#spaced = setTimeout(() => { this.#spaced = null; this.wake(); }, wait).unref();
      return;
    }
    this.#lastRead = performance.now();
    this.#reading = this.#drain().finally(() => {
      this.#reading = null;
      if (this.#again) { this.#again = false; this.wake(); }
    });
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => { this.wake(); this.#schedule(); }, this.#opts.pollMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    const pageSize = this.#opts.pageSize ?? 1000;
    try {
      for (;;) {
        const c = this.#checkpoint;
        const { rows } = await this.#opts.pool.query<EventRowText>({ name: READ_STATEMENT, text: READ_SQL,
          values: [c.transactionId.toString(), c.globalPosition.toString(), pageSize] });
        this.queries++;
        if (rows.length === 0) return;
        const events = rows.map(toLiveEvent);
        this.#checkpoint = events[events.length - 1]!.checkpoint;
        this.#opts.onEvents(events, this.#checkpoint);
        if (rows.length < pageSize || !this.#running) return;
      }
    } catch (e) {
      logger.warn({ err: e }, "live: reading the event log failed; retrying on the next poll");
    }
  }

  async #listen(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.#opts.connectionString, application_name: "linkflow-live" });
    const reconnect = () => {
      if (this.#listener !== client) return;
      this.#listener = null;
      client.end().catch(() => {});
      // Missed notifications while disconnected: poll covers events; re-check every membership.
      setTimeout(() => {
        this.#opts.onMembershipChange("all");
        this.#listen().catch((e) => { logger.warn({ err: e }, "live: LISTEN reconnect failed"); setTimeout(reconnect, 1000).unref(); });
      }, 250).unref();
    };
    client.on("error", (e) => { logger.warn({ err: e }, "live: LISTEN connection lost"); reconnect(); });
    client.on("end", reconnect);
    client.on("notification", (n) => {
      if (n.channel === "linkflow_events") this.wake();
      else if (n.channel === "linkflow_memberships") this.#opts.onMembershipChange(n.payload ? n.payload.split(",") : "all");
    });
    await client.connect();
    await client.query("listen linkflow_events; listen linkflow_memberships");
    this.#listener = client;
  }
}
