// DuckDB as the peer of sluice's query engine: runs each query over a Parquet file (the view
// `spans`) once to warm up, then `runs` times, each materialised in DuckDB (not converted to
// JavaScript values).
// Usage: node duckdb_query.mjs <file.parquet> <threads> <runs> <queries.json: {name: sql}>
// Prints {"name": {"p50_ms", "p95_ms", "cpu_p50_ms", "rows"}, ...}; CPU time is the process's,
// all threads.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [file, threads, runs, queriesPath] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const queries = JSON.parse(fs.readFileSync(queriesPath, 'utf8'));

const percentile = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
};

const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
await con.run(`CREATE VIEW spans AS SELECT * FROM read_parquet(${q(file)})`);
const out = {};
for (const [name, sql] of Object.entries(queries)) {
  const ms = [];
  const cpuMs = [];
  let rows = 0;
  for (let run = 0; run <= Number(runs); ++run) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await con.run(sql);
    const t = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    rows = result.rowCount;
    if (run > 0) {
      ms.push(t);
      cpuMs.push((used.user + used.system) / 1e3);
    }
  }
  out[name] = {
    p50_ms: percentile(ms, 0.5),
    p95_ms: percentile(ms, 0.95),
    cpu_p50_ms: percentile(cpuMs, 0.5),
    rows,
  };
}
console.log(JSON.stringify(out));
