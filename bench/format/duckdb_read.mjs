// DuckDB as the peer of sluice's Parquet reader: with a given number of threads, times
// (1) `SELECT count(*), sum(strlen(input))` over a Parquet file (one column), and
// (2) a full scan: an aggregate over every column (string and JSON byte lengths, integer sums,
// true counts, the latest timestamp, list lengths), so that every value is decoded.
// Usage: node duckdb_read.mjs <file.parquet> <threads> <columns-json: {name: duckdb type}>
// Prints {"input": m, "full": m, "rows": n, "input_bytes": n}, each m = {seconds, cpu_seconds,
// peak_rss_bytes}; peak_rss_bytes is the process's peak RSS during that step above its RSS
// before it (-1 where /proc/self/clear_refs cannot be written).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [file, threads, columnsJson] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const source = `read_parquet(${q(file)})`;

function aggregate(name, type) {
  const c = ident(name);
  if (type === 'BIGINT' || type === 'DOUBLE') return `sum(${c})`;
  if (type === 'BOOLEAN') return `count_if(${c})`;
  if (type === 'TIMESTAMPTZ') return `max(${c})`;
  if (type.endsWith('[]')) return `sum(len(${c}))`;
  return `sum(strlen(CAST(${c} AS VARCHAR)))`;
}

function statusKb(field) {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n')
    .find((l) => l.startsWith(field + ':'));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

// Runs `sql`, timing wall and CPU time (all threads) and the peak RSS it added.
async function measure(con, sql) {
  let rssBefore = -1;
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');  // resets VmHWM to the current RSS
    rssBefore = statusKb('VmRSS');
  } catch {
    rssBefore = -1;
  }
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const rows = (await con.runAndReadAll(sql)).getRows();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    result: rows[0],
    m: {
      seconds,
      cpu_seconds: (used.user + used.system) / 1e6,
      peak_rss_bytes: rssBefore < 0 ? -1 : (statusKb('VmHWM') - rssBefore) * 1024,
    },
  };
}

const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const input = await measure(con, `SELECT count(*), sum(strlen(CAST(input AS VARCHAR))) FROM ${source}`);
const columns = Object.entries(JSON.parse(columnsJson));
const full = await measure(con,
  `SELECT count(*), ${columns.map(([n, t]) => aggregate(n, t)).join(', ')} FROM ${source}`);
console.log(JSON.stringify({
  input: input.m, full: full.m, rows: Number(input.result[0]), input_bytes: Number(input.result[1]),
}));
