// AggregateRoot: state rebuilt by applying events through per-type handlers; new changes are applied at once
// and kept as uncommitted until the repository appends them.
import { ValidationError } from "../errors.ts";
import type { EventMetadata, NewEvent, StoredEvent } from "./types.ts";

export type Handler<S> = (state: S, data: any, event: { type: string; streamVersion: number }) => S;

export abstract class AggregateRoot<S> {
  readonly id: string;
  /** The stream version this state reflects, counting uncommitted changes. */
  version = 0;
  state: S;
  #uncommitted: NewEvent[] = [];

  constructor(id: string) {
    this.id = id;
    this.state = this.initialState();
  }

  /** The stream type (e.g. "workflow"); the stream id is `${streamType}-${id}`. */
  abstract get streamType(): string;
  protected abstract initialState(): S;
  /** One handler per event type. Unknown types are ignored (forward compatibility). */
  protected abstract get handlers(): Record<string, Handler<S>>;

  get streamId(): string {
    return `${this.streamType}-${this.id}`;
  }

  /** The version the aggregate had when loaded (what the append must expect). */
  get loadedVersion(): number {
    return this.version - this.#uncommitted.length;
  }

  /** Records a new change: applies it to the state and keeps it for saving. */
  applyChange(type: string, data: Record<string, unknown>, metadata: EventMetadata = {}): void {
    if (!type) throw new ValidationError("event type is required", { field: "type" });
    this.#apply(type, data, this.version + 1);
    this.#uncommitted.push({ type, data, metadata });
  }

  /** Replays stored events (from the stream, after a snapshot). */
  loadFromHistory(events: Iterable<Pick<StoredEvent, "type" | "data" | "streamVersion">>): void {
    for (const e of events) this.#apply(e.type, e.data, e.streamVersion);
  }

  /** Restores a snapshot taken at a version. */
  restoreSnapshot(state: S, version: number): void {
    this.state = state;
    this.version = version;
  }

  uncommittedChanges(): readonly NewEvent[] {
    return this.#uncommitted;
  }

  markCommitted(): void {
    this.#uncommitted = [];
  }

  #apply(type: string, data: unknown, streamVersion: number): void {
    const handler = this.handlers[type];
    if (handler) this.state = handler(this.state, data, { type, streamVersion });
    this.version = streamVersion;
  }
}
