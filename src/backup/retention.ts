// Retention: which backups to keep (a pure function of the backups, the time and the policy).
// Calendar buckets in UTC: for each of the last `daily` days (today included), the newest backup of that day;
// for each of the last `weekly` ISO weeks (Monday start, this week included), the newest of that week; for each
// of the last `monthly` calendar months (this month included), the newest of that month. The newest backup
// overall and any backup dated after `now` are always kept, whatever the policy.
export interface RetentionPolicy { daily: number; weekly: number; monthly: number }
export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({ daily: 30, weekly: 12, monthly: 12 });

export interface Dated { id: string; at: Date }

const DAY = 86_400_000;
const dayNumber = (d: Date) => Math.floor(d.getTime() / DAY);
/** Day number of the Monday starting d's ISO week (1970-01-01 was a Thursday). */
const weekNumber = (d: Date) => Math.floor((dayNumber(d) + 3) / 7);
const monthNumber = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();

export function backupsToKeep(backups: readonly Dated[], now: Date, policy: RetentionPolicy = DEFAULT_RETENTION): Set<string> {
  const keep = new Set<string>();
  if (!backups.length) return keep;
  const rules: [number, (d: Date) => number][] = [[policy.daily, dayNumber], [policy.weekly, weekNumber], [policy.monthly, monthNumber]];
  for (const [count, bucketOf] of rules) {
    const current = bucketOf(now);
    const newest = new Map<number, Dated>();
    for (const b of backups) {
      const bucket = bucketOf(b.at);
      if (bucket > current || current - bucket >= count) continue;
      const prev = newest.get(bucket);
      if (!prev || b.at > prev.at || (+b.at === +prev.at && b.id > prev.id)) newest.set(bucket, b);
    }
    for (const b of newest.values()) keep.add(b.id);
  }
  let latest = backups[0]!;
  for (const b of backups) {
    if (b.at > latest.at) latest = b;
    if (b.at > now) keep.add(b.id);
  }
  keep.add(latest.id);
  return keep;
}
