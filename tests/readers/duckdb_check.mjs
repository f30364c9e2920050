// Reads a file sluice wrote with DuckDB and compares schema, types and every value with what
// the test wrote. Usage: node duckdb_check.mjs <parquet|jsonl> <file> <schema.json> <rows.jsonl>
// Prints {"ok":true, rows, row_groups, codecs, encodings, key_value} for Parquet files.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { loadExpected, compareRows, run } from './expected.mjs';

const DUCK_TYPES = {
  string: 'VARCHAR', json: 'JSON', int64: 'BIGINT', double: 'DOUBLE', bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP WITH TIME ZONE', 'list<string>': 'VARCHAR[]',
};

const q = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

// A select expression that returns the column in the expected encoding.
function expr(c) {
  const id = ident(c.name);
  switch (c.type) {
    case 'int64': return `CAST(${id} AS VARCHAR)`;
    case 'timestamp': return `CAST(epoch_us(${id}) AS VARCHAR)`;
    case 'list<string>': return `CAST(to_json(${id}) AS VARCHAR)`;
    case 'string': case 'json': return `CAST(${id} AS VARCHAR)`;
    default: return id;
  }
}

function normalize(c, v, jsonl) {
  if (v === null || v === undefined) return null;
  if (c.type === 'list<string>') return JSON.parse(v);
  if (c.type === 'double') return Number(v);
  // JSON Lines files embed JSON values as they are; DuckDB may reformat their text.
  if (c.type === 'json' && jsonl) return JSON.stringify(JSON.parse(v));
  return v;
}

async function checkKeyOrder(file, columns) {
  if (file.endsWith('.zst')) return;
  let data = fs.readFileSync(file);
  if (file.endsWith('.gz')) data = zlib.gunzipSync(data);
  const first = data.toString('utf8').split('\n')[0];
  if (!first) return;
  const keys = Object.keys(JSON.parse(first));
  const want = columns.map((c) => c.name);
  if (JSON.stringify(keys) !== JSON.stringify(want)) {
    throw new Error(`keys ${JSON.stringify(keys)} are not in schema order ${JSON.stringify(want)}`);
  }
}

async function main() {
  const [format, file, schemaPath, rowsPath] = process.argv.slice(2);
  const { columns, rows } = loadExpected(schemaPath, rowsPath);
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  let source;
  if (format === 'parquet') {
    source = `read_parquet(${q(file)})`;
  } else {
    const cols = columns.map((c) => `${q(c.name)}: ${q(DUCK_TYPES[c.type])}`).join(', ');
    source = `read_json(${q(file)}, format='newline_delimited', columns={${cols}})`;
    await checkKeyOrder(file, columns);
  }
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  const got = desc.map((d) => `${d.column_name}:${d.column_type}`);
  const want = columns.map((c) => `${c.name}:${DUCK_TYPES[c.type]}`);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`duckdb schema ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  const select = columns.map(expr).join(', ');
  const result = await con.runAndReadAll(`SELECT ${select} FROM ${source}`);
  const data = result.getRows();
  compareRows('duckdb', columns, rows, data.length,
    (r, k) => normalize(columns[k], data[r][k], format !== 'parquet'));
  if (format !== 'parquet') return { rows: data.length };
  const meta = (await con.runAndReadAll(
    `SELECT row_group_id, path_in_schema, compression, encodings FROM parquet_metadata(${q(file)})`
  )).getRowObjectsJson();
  const kv = (await con.runAndReadAll(
    `SELECT CAST(key AS VARCHAR) AS k, CAST(value AS VARCHAR) AS v FROM parquet_kv_metadata(${q(file)})`
  )).getRowObjectsJson();
  const created = (await con.runAndReadAll(
    `SELECT created_by FROM parquet_file_metadata(${q(file)})`)).getRowObjectsJson();
  const encodings = {};
  for (const m of meta) {
    (encodings[m.path_in_schema] ??= []).push(m.encodings);
  }
  return {
    rows: data.length,
    row_groups: new Set(meta.map((m) => m.row_group_id)).size,
    codecs: [...new Set(meta.map((m) => m.compression))],
    encodings,
    key_value: Object.fromEntries(kv.map((e) => [e.k, e.v])),
    created_by: created[0]?.created_by ?? null,
  };
}

run(main);
