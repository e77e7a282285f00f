import { describe, expect, it } from "vitest";
import { backupsToKeep, DEFAULT_RETENTION, type Dated } from "../../src/backup/retention.ts";

// Daily backups at 02:15 UTC for 600 days up to Saturday 2026-11-28, plus a second (later) backup on every 10th day.
const NOW = new Date("2026-11-28T12:00:00Z");
function generate(): Dated[] {
  const out: Dated[] = [];
  for (let i = 0; i < 600; i++) {
    const day = new Date(Date.UTC(2026, 10, 28) - i * 86_400_000).toISOString().slice(0, 10);
    out.push({ id: `${day}@02`, at: new Date(`${day}T02:15:00Z`) });
    if (i % 10 === 0) out.push({ id: `${day}@14`, at: new Date(`${day}T14:00:00Z`) });
  }
  return out;
}
const newestOf = (day: string, all: Dated[]) => all.filter((b) => b.id.startsWith(day)).sort((a, b) => +b.at - +a.at)[0]!.id;

describe("backup retention", () => {
  it("keeps exactly 30 dailies, 12 weeklies and 12 monthlies (newest of each bucket), and nothing else", () => {
    const all = generate();
    const keep = backupsToKeep(all, NOW, DEFAULT_RETENTION);
    const dailies = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 10, 28) - i * 86_400_000).toISOString().slice(0, 10));
    // This ISO week (Mon 11-23 .. today): newest is today's; the 11 earlier weeks: their Sundays.
    const weeklySundays = ["2026-11-22", "2026-11-15", "2026-11-08", "2026-11-01", "2026-10-25", "2026-10-18", "2026-10-11",
      "2026-10-04", "2026-09-27", "2026-09-20", "2026-09-13"];
    // This month: today's; the 11 earlier months: their last days.
    const monthEnds = ["2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30", "2026-05-31", "2026-04-30",
      "2026-03-31", "2026-02-28", "2026-01-31", "2025-12-31"];
    const expected = new Set([...dailies, ...weeklySundays, ...monthEnds].map((d) => newestOf(d, all)));
    expect(expected.size).toBe(30 + 7 + 10);
    expect([...keep].sort()).toEqual([...expected].sort());
    // The second backup of a day wins over the first: 2026-11-28 has both and only the 14:00 one is kept.
    expect(keep.has("2026-11-28@14")).toBe(true);
    expect(keep.has("2026-11-28@02")).toBe(false);
  });

  it("honours other policies exactly and always keeps the newest backup", () => {
    const all = generate();
    expect(backupsToKeep(all, NOW, { daily: 0, weekly: 0, monthly: 0 })).toEqual(new Set(["2026-11-28@14"]));
    expect([...backupsToKeep(all, NOW, { daily: 3, weekly: 0, monthly: 0 })].sort()).toEqual(["2026-11-26@02", "2026-11-27@02", "2026-11-28@14"]);
    expect([...backupsToKeep(all, NOW, { daily: 0, weekly: 2, monthly: 0 })].sort()).toEqual(["2026-11-22@02", "2026-11-28@14"]);
    expect([...backupsToKeep(all, NOW, { daily: 0, weekly: 0, monthly: 3 })].sort()).toEqual(["2026-09-30@02", "2026-10-31@02", "2026-11-28@14"]);
    // Old backups only (service was down for months): the newest still survives.
    const old = all.filter((b) => b.at < new Date("2025-06-01T00:00:00Z"));
    expect(backupsToKeep(old, NOW)).toEqual(new Set([old.sort((a, b) => +b.at - +a.at)[0]!.id]));
    expect(backupsToKeep([], NOW).size).toBe(0);
  });

  it("keeps a backup dated in the future (clock skew) rather than deleting it", () => {
    const all = [...generate(), { id: "future", at: new Date("2026-11-29T01:00:00Z") }];
    expect(backupsToKeep(all, NOW).has("future")).toBe(true);
  });
});
