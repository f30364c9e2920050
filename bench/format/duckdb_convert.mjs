// DuckDB as the peer of sluice's file writers: with a given number of threads, times
// (1) converting a JSON Lines file of spans to Parquet + ZSTD (read, parse and write), and
// (2) writing the same rows, loaded first into an in-memory table, to Parquet + ZSTD (write only).
// Usage: node duckdb_convert.mjs <in.jsonl> <out-prefix> <threads> <columns-json> [convert]
// <in.jsonl> may be a glob of files (DuckDB's read_json); with `convert`, only step (1) runs.
// Prints {"convert": m, "write": m}, each m = {seconds, cpu_seconds, bytes, peak_rss_bytes};
// peak_rss_bytes is the process's peak RSS during that step above its RSS before it.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [input, prefix, threads, columnsJson, only] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const columns = Object.entries(JSON.parse(columnsJson)).map(([k, v]) => `${q(k)}: ${q(v)}`);
const source = `read_json(${q(input)}, format='newline_delimited', columns={${columns.join(', ')}})`;

function statusKb(field) {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n')
    .find((l) => l.startsWith(field + ':'));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

// Runs `sql`, timing wall and CPU time (all threads) and the peak RSS it added.
async function measure(con, sql, output) {
  let rssBefore = 0;
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');  // resets VmHWM to the current RSS
    rssBefore = statusKb('VmRSS');
  } catch {
    rssBefore = -1;  // not allowed here: no peak figure
  }
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await con.run(sql);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    cpu_seconds: (used.user + used.system) / 1e6,
    bytes: fs.statSync(output).size,
    peak_rss_bytes: rssBefore < 0 ? -1 : (statusKb('VmHWM') - rssBefore) * 1024,
  };
}

const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const converted = `${prefix}_convert.parquet`;
const written = `${prefix}_write.parquet`;
const convert = await measure(con,
  `COPY (SELECT * FROM ${source}) TO ${q(converted)} (FORMAT parquet, COMPRESSION zstd)`,
  converted);
if (only === 'convert') {
  console.log(JSON.stringify({ convert }));
  process.exit(0);
}
await con.run(`CREATE TABLE spans AS SELECT * FROM ${source}`);
execSync('sync');  // the converted file's write-back must not slow the next step
const write = await measure(con,
  `COPY spans TO ${q(written)} (FORMAT parquet, COMPRESSION zstd)`, written);
console.log(JSON.stringify({ convert, write }));
