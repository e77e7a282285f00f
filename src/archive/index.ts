// The archive capability (cold Parquet archives of executions, docs/archive.md): import from here.
export { runArchive, runArchiveWithPool, sweepDeletions, CRASH_POINTS, InjectedCrash, type CrashPoint, type ArchiveRunOptions, type ArchiveRunReport, type ArchiverSettings } from "./archiver.ts";
export { loadArchiveConfig, type ArchiveConfig, type S3Settings } from "./config.ts";
export { archiveStorage } from "./storage.ts";
export { ArchiveReader, type ArchiveReaderOptions, type ListQuery, type ListPage, type Source } from "./retrieval.ts";
export { placeLegalHold, releaseLegalHold, setRetention, eraseUser, eraseTeam, type ComplianceDeps } from "./compliance.ts";
export { ArchiveIntegrityError, documentFromRow, readParquet, readParquetSummaries, type ExecutionDocument, type ExecutionSummary } from "./format.ts";
export { readBatchSummaries } from "./candidate-files.ts";
