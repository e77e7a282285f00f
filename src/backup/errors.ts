// Typed errors of the backup capability (stable codes from src/errors.ts; the class name says what happened).
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";

/** A backup object's content does not match its recorded sha256 (or the restored data its checksums): refused. */
export class BackupIntegrityError extends ValidationError {
  constructor(message: string, detail: string) { super(message, { detail }); }
}

/** The restore target database exists and --force was not given. */
export class DatabaseExistsError extends ConflictError {
  constructor(database: string) { super(`database ${database} exists: restore refuses to overwrite it without --force`, { detail: `database: ${database}` }); }
}

export class BackupNotFoundError extends NotFoundError {
  constructor(ref: string) { super(`backup not found: ${ref}`, { detail: `backup: ${ref}` }); }
}

/** A restore test found differences (row counts, checksums, amcheck) or could not restore. */
export class RestoreTestFailedError extends ValidationError {
  constructor(message: string, detail: string) { super(message, { detail }); }
}
