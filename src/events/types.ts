// Event store types shared by the store, aggregates and projections.

/** Metadata carried by every event (missing keys allowed). */
export interface EventMetadata {
  actor?: string | null;
  correlation_id?: string | null;
  causation_id?: string | null;
  trace_id?: string | null;
  [key: string]: unknown;
}

/** An event to append. */
export interface NewEvent<D = Record<string, unknown>> {
  type: string;
  data: D;
  metadata?: EventMetadata;
  /** Supply it to make the append idempotent (a retry returns the original result). */
  eventId?: string;
  schemaVersion?: number;
}

/** An event as stored (after upcasting when read through the EventStore). */
export interface StoredEvent<D = Record<string, unknown>> {
  globalPosition: bigint;
  transactionId: bigint;
  streamId: string;
  streamType: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  teamId: string | null;
  createdAt: Date;
}

/** "any": no check; "no_stream": the stream must not exist; a number: the stream must be at that version. */
export type ExpectedVersion = number | "any" | "no_stream";

export interface AppendResult {
  /** The stream version after the append. */
  nextVersion: number;
  events: { eventId: string; streamVersion: number; globalPosition: bigint }[];
}

/** One stream's part of a multi-stream append (EventStore.appendToStreams). */
export interface StreamAppend {
  streamId: string;
  streamType: string;
  events: NewEvent[];
  expectedVersion?: ExpectedVersion;
  teamId?: string | null;
}

/** A position in the global order: the pair (transaction_id, global_position) of the last event read. */
export interface Checkpoint {
  transactionId: bigint;
  globalPosition: bigint;
}

export const START: Checkpoint = Object.freeze({ transactionId: 0n, globalPosition: 0n });

export interface Snapshot<S = unknown> {
  streamId: string;
  version: number;
  state: S;
  schemaVersion: number;
  createdAt: Date;
}

/** Row shape of app_public.events as returned by pg. */
export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  team_id: string | null;
  created_at: Date;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    globalPosition: BigInt(r.global_position),
    transactionId: BigInt(r.transaction_id),
    streamId: r.stream_id,
    streamType: r.stream_type,
    streamVersion: Number(r.stream_version),
    eventId: r.event_id,
    type: r.type,
    schemaVersion: r.schema_version,
    data: r.data,
    metadata: r.metadata,
    teamId: r.team_id,
    createdAt: r.created_at,
  };
}
