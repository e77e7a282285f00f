// Direct delivery of live subscriptions: the fast path of the fan-out. Grafast plans and starts every
// subscription as usual (arguments, the subscribe plan, membership, the consistency wait, errors), but executing
// the subscription's selection for each event and each subscriber, then JSON-serializing the same result again
// for each subscriber, cost most of the server's CPU per delivered message. A subscription whose selection is a
// plain list of LiveEvent leaf fields (optionally aliased, with __typename; no fragments, directives or
// arguments) has a "shape": its message payload is a pure function of the event and the shape. That payload is
// built and serialized once per event and shape (cached on the event, which the hub shares between the team's
// subscribers), and each subscriber's socket gets `{"id":...,"type":"next","payload":<shared JSON>}` straight
// from its queue, in order, one message at a time (each send waits for the previous one to be written, as
// graphql-ws does). Grafast's iterator of such a subscription stays parked until the stream ends: an error
// (overflow, membership ended) then leaves through grafast and graphql-ws exactly as before, after every
// message already sent. Any other selection goes through grafast per event, unchanged.
import {
  getNamedType, getNullableType, getOperationAST, GraphQLError, isLeafType, isNonNullType, Kind,
  type DocumentNode, type GraphQLLeafType, type GraphQLSchema,
} from "postgraphile/graphql";
import type { LiveSink } from "./hub.ts";
import type { LiveEvent } from "./types.ts";

/** The live fields of Subscription and the object type they return. */
const LIVE_FIELDS = new Set(["executionUpdates", "workflowChanges", "teamActivity"]);
const LIVE_TYPE = "LiveEvent";

interface ShapeField {
  /** Response key (alias or name). */
  key: string;
  /** LiveEvent property read (null: __typename). */
  prop: keyof LiveEvent | null;
  serialize: (v: unknown) => unknown;
  nonNull: boolean;
}

/** What a subscription's message payload is made of: `{ data: { [rootKey]: { [key]: field } } }`. */
export interface LiveShape {
  /** Identifies the shape among the shapes of one event (root key and fields, in order). */
  id: string;
  rootKey: string;
  fields: ShapeField[];
}

/**
 * The value GraphQL gives a LiveEvent property: createdAt leaves as ISO 8601 with milliseconds (the Datetime
 * scalar would otherwise print a Date with Date#toString, which drops the milliseconds and the ISO form).
 */
export function liveFieldValue(prop: keyof LiveEvent, v: unknown): unknown {
  return prop === "createdAt" && v instanceof Date ? v.toISOString() : v;
}

const shapes = new WeakMap<DocumentNode, Map<string, LiveShape | null>>();

/**
 * The shape of a live subscription document, or null when it needs grafast per event (not one live root field,
 * or a selection with fragments, directives, arguments or sub-selections). Cached per parsed document (grafserv
 * caches documents by their text) and operation name.
 */
export function liveShape(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): LiveShape | null {
  let byOp = shapes.get(document);
  if (!byOp) shapes.set(document, (byOp = new Map()));
  const opKey = operationName ?? "";
  if (byOp.has(opKey)) return byOp.get(opKey)!;
  const shape = computeShape(schema, document, operationName);
  byOp.set(opKey, shape);
  return shape;
}

function computeShape(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): LiveShape | null {
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== "subscription" || op.directives?.length) return null;
  const roots = op.selectionSet.selections;
  const root = roots[0];
  if (roots.length !== 1 || !root || root.kind !== Kind.FIELD || root.directives?.length || !LIVE_FIELDS.has(root.name.value)) return null;
  const rootField = schema.getSubscriptionType()?.getFields()[root.name.value];
  const type = schema.getType(LIVE_TYPE);
  if (!rootField || !type || getNamedType(rootField.type) !== type || !("getFields" in type)) return null;
  const defs = (type as { getFields(): Record<string, { type: Parameters<typeof getNamedType>[0] }> }).getFields();
  const fields: ShapeField[] = [];
  const seen = new Set<string>();
  for (const sel of root.selectionSet?.selections ?? []) {
    if (sel.kind !== Kind.FIELD || sel.directives?.length || sel.arguments?.length || sel.selectionSet) return null;
    const key = sel.alias?.value ?? sel.name.value;
    const name = sel.name.value;
    if (seen.has(key)) continue; // the same response key twice is one field (validation made them identical)
    seen.add(key);
    if (name === "__typename") {
      fields.push({ key, prop: null, serialize: () => LIVE_TYPE, nonNull: true });
      continue;
    }
    const def = defs[name];
    if (!def) return null;
    const leaf = getNamedType(def.type);
    if (!isLeafType(leaf) || getNullableType(def.type) !== leaf) return null; // leaf fields only (no lists)
    const t = leaf as GraphQLLeafType;
    const prop = name as keyof LiveEvent;
    fields.push({ key, prop, serialize: (v) => t.serialize(liveFieldValue(prop, v)), nonNull: isNonNullType(def.type) });
  }
  if (fields.length === 0) return null;
  const rootKey = root.alias?.value ?? root.name.value;
  return { id: JSON.stringify([rootKey, fields.map((f) => [f.key, f.prop])]), rootKey, fields };
}

const payloads = new WeakMap<LiveEvent, Map<string, string>>();

/** The JSON of the message payload of this event for this shape: built once per event and shape. */
export function payloadJson(e: LiveEvent, shape: LiveShape): string {
  let byShape = payloads.get(e);
  if (!byShape) payloads.set(e, (byShape = new Map()));
  let json = byShape.get(shape.id);
  if (json === undefined) {
    const value: Record<string, unknown> = {};
    for (const f of shape.fields) {
      const raw = f.prop === null ? null : e[f.prop];
      const v = f.prop === null ? LIVE_TYPE : raw == null ? null : f.serialize(raw);
      if (v == null && f.nonNull) throw new GraphQLError(`LiveEvent.${String(f.prop)} is null`, { extensions: { code: "UNAVAILABLE" } });
      value[f.key] = v;
    }
    json = JSON.stringify({ data: { [shape.rootKey]: value } });
    byShape.set(shape.id, json);
  }
  return json;
}

/** The socket side of a direct subscription: graphql-ws's socket (the `ws` WebSocket) and the subscription id. */
export interface DirectSocket {
  readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  /** The `ws` WebSocket's TCP socket (not public API of ws): corked while one batch is written. */
  _socket?: {
    cork(): void; uncork(): void; writableLength: number;
    once(event: "drain" | "close", listener: () => void): unknown; off(event: "drain" | "close", listener: () => void): unknown;
  };
}

export interface DirectDelivery {
  shape: LiveShape;
  id: string;
  socket: DirectSocket;
}

/** What the hub's subscriber offers a direct consumer. */
interface SinkSource {
  attachSink(sink: LiveSink): void;
}

const OPEN = 1;
/** Catch-up writes its next page once the socket's unsent bytes fall to this. */
const WRITABLE_BYTES = 64 * 1024;

/**
 * Writes the hub's events straight to the socket and hands grafast a parked iterator that ends when the stream
 * ends: done when it completes (or the socket went away), rejected with the stream's error (mapped by `mapError`)
 * after every message delivered so far was written. Each fan-out batch is written synchronously, with the TCP
 * socket corked, so the batch's messages to one socket leave in one write; no promise per message.
 */
export function deliverDirect(
  it: AsyncIterableIterator<LiveEvent>,
  d: DirectDelivery,
  mapError: (e: unknown) => unknown,
): AsyncIterableIterator<never> {
  const prefix = `{"id":${JSON.stringify(d.id)},"type":"next","payload":`;
  let ended: { error: unknown } | { error?: undefined } | null = null;
  let waiter: { resolve: (r: IteratorResult<never>) => void; reject: (e: unknown) => void } | null = null;
  const settle = () => {
    if (!ended || !waiter) return;
    const w = waiter;
    waiter = null;
    if ("error" in ended && ended.error !== undefined) w.reject(ended.error);
    else w.resolve({ value: undefined as never, done: true });
  };
  const finish = (error?: unknown) => {
    if (ended) return;
    ended = error === undefined ? {} : { error: mapError(error) };
    settle();
  };
  const source = it as AsyncIterableIterator<LiveEvent> & Partial<SinkSource>;
  if (typeof source.attachSink !== "function") throw new Error("deliverDirect needs a subscriber of the live hub");
  source.attachSink({
    deliver(events) {
      const socket = d.socket;
      if (socket.readyState !== OPEN) { void it.return?.(); return; }
      const raw = socket._socket;
      raw?.cork();
      try {
        for (const e of events) socket.send(prefix + payloadJson(e, d.shape) + "}");
      } catch (e) {
        finish(e);
        void it.return?.();
      } finally {
        raw?.uncork();
      }
    },
    writable() {
      const raw = d.socket._socket;
      if (!raw || d.socket.readyState !== OPEN || raw.writableLength <= WRITABLE_BYTES) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => { raw.off("drain", done); raw.off("close", done); resolve(); };
        raw.once("drain", done);
        raw.once("close", done);
      });
    },
    end(error) {
      finish(error);
    },
  });
  const parked: AsyncIterableIterator<never> = {
    [Symbol.asyncIterator]() { return parked; },
    next() {
      return new Promise((resolve, reject) => { waiter = { resolve, reject }; settle(); });
    },
    async return() {
      await it.return?.();
      ended ??= {};
      if (waiter) { const w = waiter; waiter = null; w.resolve({ value: undefined as never, done: true }); }
      return { value: undefined as never, done: true };
    },
    async throw(e?: unknown) {
      await parked.return!();
      throw e;
    },
  };
  return parked;
}
