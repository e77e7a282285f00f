// The reference every other benchmark compares to: pgbench tpcb-like at 1 and 16 clients on this server.
import { pgbenchTps, phaseSeconds, printBench } from "./lib.ts";

export default async function baseline(): Promise<void> {
  const seconds = phaseSeconds(10);
  const c1 = await pgbenchTps({ clients: 1, seconds });
  console.log(`pgbench tpcb-like, 1 client, ${seconds}s: ${c1.toFixed(1)} tps`);
  const c16 = await pgbenchTps({ clients: 16, seconds });
  console.log(`pgbench tpcb-like, 16 clients, ${seconds}s: ${c16.toFixed(1)} tps`);
  printBench("baseline", { tpcb_c1_tps: c1, tpcb_c16_tps: c16 });
}
