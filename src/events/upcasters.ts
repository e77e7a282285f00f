// Event upcasters: old schema versions of an event type are transformed, one step at a time, into the
// current shape when read. Stored events never change (erasure aside).
import { ValidationError } from "../errors.ts";
import type { StoredEvent } from "./types.ts";

/** Transforms the data of `type` at schema version `from` into version `from + 1`. */
export type Upcast = (data: Record<string, unknown>, event: StoredEvent) => Record<string, unknown>;

export class Upcasters {
  #steps = new Map<string, Map<number, Upcast>>();

  /** Registers the step from `fromVersion` to `fromVersion + 1` for an event type. */
  register(type: string, fromVersion: number, upcast: Upcast): this {
    if (!Number.isInteger(fromVersion) || fromVersion < 1) throw new ValidationError("fromVersion must be a positive integer", { field: "fromVersion" });
    let byVersion = this.#steps.get(type);
    if (!byVersion) this.#steps.set(type, (byVersion = new Map()));
    if (byVersion.has(fromVersion)) throw new ValidationError(`upcaster ${type} v${fromVersion} already registered`, { field: "fromVersion" });
    byVersion.set(fromVersion, upcast);
    return this;
  }

  /** The latest schema version known for a type (1 when none registered). */
  currentVersion(type: string): number {
    const byVersion = this.#steps.get(type);
    return byVersion ? Math.max(...byVersion.keys()) + 1 : 1;
  }

  /** Applies every step from the event's schema version up to the latest; returns a new event. */
  upcast<D = Record<string, unknown>>(event: StoredEvent): StoredEvent<D> {
    const byVersion = this.#steps.get(event.type);
    if (!byVersion) return event as StoredEvent<D>;
    let current = event;
    for (let step = byVersion.get(current.schemaVersion); step; step = byVersion.get(current.schemaVersion)) {
      current = { ...current, data: step(current.data, current), schemaVersion: current.schemaVersion + 1 };
    }
    return current as StoredEvent<D>;
  }
}
