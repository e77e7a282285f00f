// Types of the live capability: the events a subscriber receives and what it subscribes to.
import type { Checkpoint } from "../events/index.ts";

/** One event of the log as delivered to live subscribers. */
export interface LiveEvent {
  /** Internal: the event's place in the global read order. */
  checkpoint: Checkpoint;
  /** Opaque resume cursor: subscribe with `after: cursor` to continue right after this event. */
  cursor: string;
  globalPosition: string;
  eventId: string;
  type: string;
  streamId: string;
  streamType: string;
  streamVersion: string;
  teamId: string | null;
  data: unknown;
  metadata: unknown;
  createdAt: Date;
}

/** executions: state changes of executions; workflows: saves, activations, archives; activity: the team feed. */
export type LiveStreamKind = "executions" | "workflows" | "activity";

export interface LiveFilter {
  kind: LiveStreamKind;
  teamId: string;
  workflowId?: string | null;
  executionId?: string | null;
}

export interface SubscribeOptions extends LiveFilter {
  /** Resume right after this cursor (opaque string from a delivered event). Omitted: start at the live end. */
  after?: string | null;
  /** A signed-in user: must be a member of the team, re-checked when memberships change. Omitted: service path. */
  userId?: string | null;
  /** Called before each delivery: true when the consumer's transport is backed up (counts as an overflow). */
  isBackedUp?: () => boolean;
}
