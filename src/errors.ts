// Typed errors with stable codes. Database errors are mapped here (see src/db/errors.ts); no SQL text leaks.

export type ErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "VALIDATION"
  | "CONFLICT"
  | "VERSION_CONFLICT"
  | "ILLEGAL_TRANSITION"
  | "ARCHIVED"
  | "IMMUTABLE"
  | "NO_PARTITION"
  | "LIMIT_EXCEEDED"
  | "DUPLICATE_EVENT"
  | "UNAVAILABLE"
  | "TIMEOUT"
  | "RATE_LIMITED"
  | "CONFIG"
  | "STALE"
  | "INTERNAL";

export class LinkFlowError extends Error {
  readonly code: ErrorCode;
  /** SQLSTATE when the error came from PostgreSQL. */
  readonly sqlState: string | undefined;
  readonly detail: string | undefined;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, opts: { sqlState?: string; detail?: string; field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.sqlState = opts.sqlState;
    this.detail = opts.detail;
    this.field = opts.field;
  }
  /** True when the same call may succeed if tried again unchanged: the database was unreachable
   *  (UNAVAILABLE) or the transaction lost a serialization/deadlock race (SQLSTATE 40001, 40P01). */
  get retryable(): boolean {
    return this.code === "UNAVAILABLE" || this.sqlState === "40001" || this.sqlState === "40P01";
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, detail: this.detail, field: this.field, retryable: this.retryable };
  }
}

export class NotFoundError extends LinkFlowError {
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] = {}) { super("NOT_FOUND", message, opts); }
}
export class ForbiddenError extends LinkFlowError {
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] = {}) { super("FORBIDDEN", message, opts); }
}
export class ValidationError extends LinkFlowError {
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] = {}) { super("VALIDATION", message, opts); }
}
export class ConflictError extends LinkFlowError {
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] = {}) { super("CONFLICT", message, opts); }
}
export class VersionConflictError extends LinkFlowError {
  /** The current version named by the database, when known. */
  readonly currentVersion: number | undefined;
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] & { currentVersion?: number } = {}) {
    super("VERSION_CONFLICT", message, opts);
    this.currentVersion = opts.currentVersion;
  }
}
export class IllegalTransitionError extends LinkFlowError {
  readonly currentState: string | undefined;
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] & { currentState?: string } = {}) {
    super("ILLEGAL_TRANSITION", message, opts);
    this.currentState = opts.currentState;
  }
}
export class UnavailableError extends LinkFlowError {
  constructor(message: string, opts: ConstructorParameters<typeof LinkFlowError>[2] = {}) { super("UNAVAILABLE", message, opts); }
}
/** One bad setting: the environment variable and what is wrong with its value. */
export interface ConfigIssue { name: string; message: string }

/**
 * Bad configuration (code CONFIG). loadConfig() throws one ConfigError for all bad values at once: `issues`
 * lists each (variable name and message), and the message names every one of them.
 */
export class ConfigError extends LinkFlowError {
  readonly issues: readonly ConfigIssue[];
  constructor(message: string, issues: readonly ConfigIssue[] = []) {
    super("CONFIG", message, issues.length ? { field: issues.map((i) => i.name).join(",") } : {});
    this.issues = issues;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}
