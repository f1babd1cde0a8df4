import type { CellResult } from './refresh-cell';

const f = (n: number, digits = 1) => n.toFixed(digits);

/** The table of cells: one line per (latency × concurrency). */
export function cellTable(cells: readonly CellResult[]): string[] {
  const lines = [
    '| latency | concurrency | jobs | refreshes/s | ideal c/latency | duplicates | retries | lost | CPU ms/job | machine CPU ms/job | PG xacts/job | PG tup upd/job | PG tup fetched/job | Redis cmds/job |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cells) {
    const ideal = c.latencyMs === 0 ? '—' : f(c.concurrency / (c.latencyMs / 1000), 0);
    lines.push(
      `| ${c.latencyMs} ms | ${c.concurrency} | ${c.jobs} | ${f(c.perSecond, 0)} | ${ideal} | ${c.duplicates} | ${c.retries} | ${c.lost} | ${f(c.cpuMsPerJob, 2)} | ${f(c.machineCpuMsPerJob, 2)} | ${f(c.pgXactsPerJob, 2)} | ${f(c.pgUpdatedPerJob, 2)} | ${f(c.pgFetchedPerJob, 2)} | ${f(c.redisCommandsPerJob, 1)} |`,
    );
  }
  return lines;
}

const verdict = (ok: boolean) => (ok ? 'MET ' : 'MISS');

/** The goals (issue 10 §4) next to what was measured. A benchmark: it says MISS, never fails. */
export function goalLines(cells: readonly CellResult[], full: CellResult | undefined): string[] {
  const lines: string[] = [];
  const best0 = cells
    .filter((c) => c.latencyMs === 0)
    .reduce<CellResult | undefined>(
      (a, c) => (a === undefined || c.perSecond > a.perSecond ? c : a),
      undefined,
    );
  const fullRate = full?.perSecond ?? best0?.perSecond;
  if (fullRate !== undefined) {
    lines.push(
      `${verdict(fullRate >= 2000)} ≥ 2,000 refreshes/s at 0 ms (encrypted Postgres write included): ${f(fullRate, 0)}/s` +
        (full === undefined
          ? ' (best sample cell)'
          : ` (the ${full.jobs} run, concurrency ${full.concurrency})`),
    );
  }
  if (full !== undefined) {
    lines.push(
      `${verdict(full.seconds <= 60)} ${full.jobs} connections in ≤ 60 s: ${f(full.seconds)} s`,
    );
  }
  for (const c of cells.filter((cell) => cell.latencyMs === 200)) {
    const goal = (0.8 * c.concurrency) / 0.2;
    lines.push(
      `${verdict(c.perSecond >= goal)} 200 ms, concurrency ${c.concurrency}: ≥ 0.8 × c / latency = ${f(goal, 0)}/s: ${f(c.perSecond)}/s`,
    );
  }
  const all = full === undefined ? cells : [...cells, full];
  const duplicates = all.reduce((n, c) => n + c.duplicates, 0);
  const lost = all.reduce((n, c) => n + c.lost, 0);
  lines.push(
    `${verdict(duplicates === 0)} duplicates (refresh tokens presented twice) = 0: ${duplicates}`,
  );
  lines.push(`${verdict(lost === 0)} lost rotations (stored ≠ provider's latest) = 0: ${lost}`);
  return lines;
}
