// Errors of the users repository beyond the shared typed errors.
import { ValidationError, type ErrorCode } from "../errors.ts";

/** One failed row of a bulk call: its position in the input (0-based), a typed code, the field and a message. */
export interface BulkFailure {
  index: number;
  code: ErrorCode;
  field: string | undefined;
  message: string;
}

/** An all-or-nothing bulk call refused: nothing was written; `failures` names every failing row. */
export class BulkWriteError extends ValidationError {
  readonly failures: BulkFailure[];
  constructor(message: string, failures: BulkFailure[]) {
    super(message, { field: failures[0]?.field });
    this.failures = failures;
  }
}

const BY_SQLSTATE: Record<string, ErrorCode> = {
  LFVAL: "VALIDATION",
  LFCNF: "CONFLICT",
  LFNTF: "NOT_FOUND",
  LFVER: "VERSION_CONFLICT",
};

/** Our SQLSTATE (as reported per row by the bulk functions) to the typed error code. */
export function bulkCode(sqlState: string): ErrorCode {
  return BY_SQLSTATE[sqlState] ?? "INTERNAL";
}
