// Times DuckDB converting a JSON Lines file of spans to Parquet with ZSTD, with a given number
// of threads. Usage: node duckdb_convert.mjs <in.jsonl> <out.parquet> <threads> <columns-json>
// Prints {"seconds": s, "bytes": n}.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [input, output, threads, columnsJson] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const columns = Object.entries(JSON.parse(columnsJson)).map(([k, v]) => `${q(k)}: ${q(v)}`);
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const start = process.hrtime.bigint();
await con.run(`COPY (SELECT * FROM read_json(${q(input)}, format='newline_delimited',
  columns={${columns.join(', ')}})) TO ${q(output)} (FORMAT parquet, COMPRESSION zstd)`);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ seconds, bytes: fs.statSync(output).size }));
