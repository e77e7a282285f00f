// Maps PostgreSQL errors (SQLSTATE, constraint names, our LF* codes) to typed LinkFlow errors.
import {
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  LinkFlowError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  VersionConflictError,
} from "../errors.ts";

export interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  constraint?: string;
  column?: string;
  table?: string;
}

export function isPgError(e: unknown): e is PgErrorLike {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" && typeof (e as { message?: unknown }).message === "string";
}

function fieldOf(e: PgErrorLike): string | undefined {
  const m = /field: ([a-z_.]+)/.exec(e.detail ?? "");
  if (m) return m[1];
  if (e.column) return e.column;
  if (e.constraint && e.table) {
    // constraint names follow <table>_<column>_<rule>; strip the table prefix
    const rest = e.constraint.startsWith(e.table + "_") ? e.constraint.slice(e.table.length + 1) : e.constraint;
    return rest.replace(/_(key|check|fkey|length|shape|known|positive|non_negative|range|object)$/, "");
  }
  return undefined;
}

// Connection-level failures: the backend went away or cannot be reached. SQLSTATE classes 08 (connection
// exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections), the
// socket errors of Node, and pg's own messages for a connection closed under a query (they carry no code).
const CONNECTION_CODES = new Set(["57P01", "57P02", "57P03", "53300", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ECONNABORTED"]);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|connection terminated|server closed the connection unexpectedly/i;

/** True when e means the database connection was lost or could not be made (retry on a new connection). */
export function isConnectionLost(e: unknown): boolean {
  if (e instanceof UnavailableError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  return e instanceof Error && CONNECTION_MESSAGES.test(e.message);
}

/** Converts any error thrown by pg into a LinkFlowError; LinkFlowErrors pass through. Connection loss becomes
 *  a retryable UnavailableError (code UNAVAILABLE). */
export function mapDbError(e: unknown): LinkFlowError {
  if (e instanceof LinkFlowError) return e;
  if (isConnectionLost(e)) {
    const code = (e as { code?: unknown }).code;
    return new UnavailableError("database unavailable, retry", { sqlState: typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined, cause: e });
  }
  if (!isPgError(e)) {
    return new LinkFlowError("INTERNAL", "internal error", { cause: e });
  }
  const base = { sqlState: e.code, detail: e.detail, field: fieldOf(e), cause: e };
  const num = (key: string) => {
    const m = new RegExp(`${key}=(\\d+)`).exec(e.detail ?? "");
    return m ? Number(m[1]) : undefined;
  };
  switch (e.code) {
    case "LFNTF": return new NotFoundError(e.message, base);
    case "LFDNY": case "42501": return new ForbiddenError(e.code === "42501" ? "permission denied" : e.message, base);
    case "LFVAL": return new ValidationError(e.message, base);
    case "LFCNF": return new ConflictError(e.message, base);
    case "LFVER": return new VersionConflictError(e.message, { ...base, currentVersion: num("current_version") });
    case "LFSTA": {
      const m = /current_state=([a-z_]+)/.exec(e.detail ?? "");
      return new IllegalTransitionError(e.message, { ...base, currentState: m?.[1] });
    }
    case "LFARC": return new LinkFlowError("ARCHIVED", e.message, base);
    case "LFIMM": return new LinkFlowError("IMMUTABLE", e.message, base);
    case "LFPRT": return new LinkFlowError("NO_PARTITION", e.message, base);
    case "LFLIM": case "54000": return new LinkFlowError("LIMIT_EXCEEDED", e.message, base);
    case "LFDUP": return new LinkFlowError("DUPLICATE_EVENT", e.message, base);
    case "LFPRJ": return new ConflictError(e.message, base);
    case "23505": return new ConflictError(`duplicate value violates ${e.constraint ?? "a unique constraint"}`, base);
    case "23503": return new ValidationError(`reference not found (${e.constraint ?? "foreign key"})`, base);
    case "23502": return new ValidationError(`${e.column ?? "a field"} is required`, base);
    case "23514": case "23P01": return new ValidationError(`invalid value (${e.constraint ?? "check"})`, base);
    case "22P02": case "22007": case "22008": case "22003": case "22023": case "22P05": case "2201X": case "2201W":
      return new ValidationError("invalid input value", base);
    case "22032": return new ValidationError("malformed JSON", base);
    case "22021": return new ValidationError("invalid text (NUL character or invalid byte sequence)", base);
    case "22001": return new ValidationError(`value too long${base.field ? ` (${base.field})` : ""}`, base);
    case "40001": case "40P01": return new ConflictError("concurrent update, retry", base);
    case "57014": return new LinkFlowError("LIMIT_EXCEEDED", "statement timeout", base);
    case "55P03": return new ConflictError("lock not available", base);
  }
  // any other data exception (class 22) is about the input, not the server
  if (e.code?.startsWith("22")) return new ValidationError("invalid input value", base);
  return new LinkFlowError("INTERNAL", "internal database error", base);
}
