// The alert rules are valid (promtool check rules) and behave as specified (promtool test rules), with Debian's
// prometheus package (.ci/setup.d/monitoring.sh installs it).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";

const run = promisify(execFile);
const promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((p) => existsSync(p)) ?? null;
if (!promtool) {
  console.log("\n" + "!".repeat(100));
  console.log("!!! promtool is NOT INSTALLED (apt-get install -y prometheus; see .ci/setup.d/monitoring.sh): alert rule checks SKIPPED !!!");
  console.log("!".repeat(100) + "\n");
}

describe.skipIf(!promtool)("monitoring: Prometheus alert rules", () => {
  const dir = path.join(PROJECT_ROOT, "deploy/prometheus");

  it("pass promtool check rules", async () => {
    const { stdout } = await run(promtool!, ["check", "rules", "alerts.yml"], { cwd: dir });
    expect(stdout).toMatch(/SUCCESS: 12 rules found/);
  });

  it("pass their unit tests (promtool test rules)", async () => {
    const { stdout } = await run(promtool!, ["test", "rules", "alerts.test.yml"], { cwd: dir });
    expect(stdout).toMatch(/SUCCESS/);
  });

  it("cover every alert the issue asks for", async () => {
    const { stdout } = await run(promtool!, ["check", "rules", "--lint=all", "alerts.yml"], { cwd: dir });
    expect(stdout).toMatch(/SUCCESS/);
    const yml = await (await import("node:fs/promises")).readFile(path.join(dir, "alerts.yml"), "utf8");
    const alerts = [...yml.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    expect(alerts).toEqual([
      "LinkflowDatabaseDown", "LinkflowDatabaseConnectionsHigh", "LinkflowPoolWaiting", "LinkflowSlowQueries",
      "LinkflowReplicationLag", "LinkflowLongTransaction", "LinkflowDeadTuplesGrowing", "LinkflowProjectionLag",
      "LinkflowBackupFailed", "LinkflowArchiveFailed", "LinkflowBackupOrArchiveJobFailed", "LinkflowBackupTooOld",
    ]);
    const tests = await (await import("node:fs/promises")).readFile(path.join(dir, "alerts.test.yml"), "utf8");
    for (const a of alerts) expect(tests, `${a} has a unit test`).toContain(`alertname: ${a}`);
  });
});
