// Overhead of the query instrumentation (src/monitoring): the same query-heavy loop (`select 1` and primary-key
// lookups through pool.query, 4 concurrent callers) on an instrumented pool (createPool) and on a bare pg.Pool
// with the same settings, in interleaved rounds (A B B A ...) so drifting load on the shared machine cancels.
//   npm run bench -- monitoring          (BENCH_SECONDS sets the seconds per round, default 1.5; BENCH_ROUNDS 12)
// Last line: BENCH monitoring overhead_pct=<n>: median over rounds of (bare q/s / instrumented q/s - 1) x 100
// (positive = the instrumented pool is slower). Also printed: the ratio of means and the client CPU per query.
import { instrumentPool } from "../src/monitoring/instrument.ts";
import pg from "pg";
import { createPool } from "../src/db/pool.ts";
import { freshBenchDatabase, phaseSeconds, printBench, throughput } from "./lib.ts";

const ROWS = 10_000;
const WORKERS = 4;

export default async function monitoringBench(): Promise<void> {
  const db = await freshBenchDatabase("monitoring");
  const settings = { max: WORKERS, idleTimeoutMs: 30_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 30_000, applicationName: "linkflow-bench" };
  const instrumented = createPool(db.ownerUrl, settings, "bench", { instrument: instrumentPool });
  const bare = new pg.Pool({
    connectionString: db.ownerUrl, max: settings.max, idleTimeoutMillis: settings.idleTimeoutMs,
    connectionTimeoutMillis: settings.connectionTimeoutMs, application_name: `${settings.applicationName}:bare`,
    statement_timeout: settings.statementTimeoutMs,
  });
  try {
    await bare.query("create table bench_kv (id int primary key, v text not null)");
    await bare.query("insert into bench_kv select g, md5(g::text) from generate_series(1, $1) g", [ROWS]);
    await bare.query("vacuum analyze bench_kv");

    const loop = (pool: pg.Pool) => async (w: number, i: number) => {
      if ((i & 1) === 0) await pool.query("select 1");
      else await pool.query("select v from bench_kv where id = $1", [((i * 7919 + w * 104729) % ROWS) + 1]);
    };
    // Warm both pools (connections, prepared plans, JIT) before measuring.
    await throughput(WORKERS, 1, loop(bare));
    await throughput(WORKERS, 1, loop(instrumented));

    const seconds = phaseSeconds(1.5);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
    const bareRates: number[] = [];
    const instRates: number[] = [];
    const cpu = { bare: { us: 0, ops: 0 }, inst: { us: 0, ops: 0 } }; // this process's CPU per query
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["bare", "inst"] : ["inst", "bare"];
      for (const which of order) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const rate = await throughput(WORKERS, seconds, loop(which === "bare" ? bare : instrumented));
        const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
        const used = process.cpuUsage(c0);
        cpu[which as "bare" | "inst"].us += used.user + used.system;
        cpu[which as "bare" | "inst"].ops += rate * elapsed;
        (which === "bare" ? bareRates : instRates).push(rate);
      }
      console.log(`round ${r + 1}/${rounds}: bare ${bareRates.at(-1)!.toFixed(0)} q/s, instrumented ${instRates.at(-1)!.toFixed(0)} q/s`);
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const pairRatios = bareRates.map((b, i) => b / instRates[i]!).sort((a, b) => a - b);
    const medianPair = (pairRatios[Math.floor((pairRatios.length - 1) / 2)]! + pairRatios[Math.ceil((pairRatios.length - 1) / 2)]!) / 2;
    const overhead = (mean(bareRates) / mean(instRates) - 1) * 100;
    console.log(`queries: ${WORKERS} concurrent callers, select 1 / PK lookup alternating, ${rounds} interleaved rounds of ${seconds}s per mode`);
    console.log(`bare pg.Pool:        ${mean(bareRates).toFixed(0)} q/s (mean of rounds)`);
    console.log(`instrumented pool:   ${mean(instRates).toFixed(0)} q/s (mean of rounds)`);
    const cpuBare = cpu.bare.us / cpu.bare.ops;
    const cpuInst = cpu.inst.us / cpu.inst.ops;
    console.log(`client CPU per query: bare ${cpuBare.toFixed(2)} us, instrumented ${cpuInst.toFixed(2)} us (+${(cpuInst - cpuBare).toFixed(2)} us, ${((cpuInst / cpuBare - 1) * 100).toFixed(1)}% of the client's own CPU)`);
    console.log(`overhead (means): ${overhead.toFixed(2)}%   overhead (median of paired rounds): ${((medianPair - 1) * 100).toFixed(2)}%   target < 5%`);
    // Headline: the median of paired rounds (robust to a burst of load from other processes hitting one round).
    printBench("monitoring", { overhead_pct: Number(((medianPair - 1) * 100).toFixed(2)) });
  } finally {
    await Promise.all([instrumented.end(), bare.end()]);
    await db.drop();
  }
}
