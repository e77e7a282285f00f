// The disaster-recovery docs run as written: scripts/backup/pitr-rehearsal.sh executes the rehearsal block of
// docs/disaster-recovery.md (a throwaway cluster with the production PITR settings, a local repository made
// from deploy/pgbackrest/pgbackrest.local.conf, base backup, write A, note the time, write B, lose the server,
// restore to the time with the runbook's command): A is back, B is not. Ports 55510-55511 (faults helper's range).
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";

const exec = promisify(execFile);
let base = "";
afterAll(async () => { if (base) await rm(base, { recursive: true, force: true }); });

describe("disaster recovery: the PITR rehearsal from the docs", () => {
  it("runs docs/disaster-recovery.md's rehearsal block on this machine: restored to the noted time, A present, B absent", async () => {
    await exec("pgbackrest", ["version"]).catch(() => { throw new Error("pgbackrest is not installed: run .ci/setup.d/backup.sh (apt-get install pgbackrest)"); });
    base = await mkdtemp(path.join(os.tmpdir(), "lf-rehearsal-"));
    await chmod(base, 0o755); // the postgres OS user works below it
    const { stdout } = await exec("bash", [path.join(PROJECT_ROOT, "scripts/backup/pitr-rehearsal.sh")], {
      cwd: os.tmpdir(), // the script finds the project itself
      env: { ...process.env, REHEARSAL_DIR: path.join(base, "r"), REHEARSAL_PORT: "55510", REHEARSAL_RESTORED_PORT: "55511" },
      maxBuffer: 1 << 24, timeout: 240_000,
    });
    expect(stdout).toMatch(/PITR rehearsal OK: restored to .+, A present, B absent/);
  }, 260_000);
});
