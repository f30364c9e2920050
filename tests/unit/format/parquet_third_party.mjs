// Writes Parquet files with third-party writers for the reader tests, and records what DuckDB
// reads from each file, for the test to compare sluice's reader with.
// Usage: node parquet_third_party.mjs <out_dir>
// Writes <out_dir>/<name>.parquet and <name>.json ({columns: [{name, type}], rows: [[...]]},
// values encoded as below) for each file, and <out_dir>/manifest.json: [{name, writer, codec,
// unsupported: [columns sluice lists as unsupported]}].
// Value encoding: null; booleans; integers, timestamps (epoch microseconds), decimals and
// floating point numbers as decimal strings (String(number): the shortest text that reads back
// to the same double); strings, JSON, UUIDs as text; BLOBs as lowercase hex; lists of strings
// as arrays; other lists as their JSON text.
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2];
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const N = 5000;

// Every type DuckDB writes that sluice reads, with nulls, empty lists, negative timestamps,
// long strings; plus a struct and a map that sluice lists as unsupported.
const SOURCE = `SELECT
  i::BIGINT AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE 'name-' || (i % 50) END AS s,
  CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::VARCHAR) || repeat('é', i % 30) END AS u,
  CASE WHEN i % 997 = 3 THEN repeat('long text ' || i, 1500) ELSE 'short' END AS big,
  (i * 7919 % 1000003 - 500000)::INTEGER AS i32,
  CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1000000007 - 5000000000000 END AS i64,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 4 = 0 THEN NULL ELSE i / 7.0 - 300 END::DOUBLE AS d,
  (i / 3.0)::FLOAT AS f,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i * 1001) MILLISECOND AS ts_tz,
  TIMESTAMP '1969-12-31 23:50:00' + INTERVAL (i * 333) MICROSECOND AS ts,
  (TIMESTAMP '2020-01-01' + INTERVAL (i) SECOND)::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2020-01-01' + INTERVAL (i * 13) MICROSECOND)::TIMESTAMP_NS AS ts_ns,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1960-01-01' + (i * 7 % 40000)::INTEGER END AS dt,
  CASE WHEN i % 6 = 0 THEN NULL WHEN i % 6 = 1 THEN []::VARCHAR[]
       ELSE list_transform(range(i % 4), x -> 'tag-' || ((i + x) % 9)) END AS tags,
  CASE WHEN i % 5 = 0 THEN NULL ELSE [i, NULL, -i]::BIGINT[] END AS ints,
  CASE WHEN i % 8 = 0 THEN NULL ELSE json_object('k', i, 'v', 'x' || i, 'a', [1, 2]) END AS j,
  ('00000000-0000-4000-8000-' || lpad((i * 7919)::VARCHAR, 12, '0'))::UUID AS uid,
  ((i % 1000)::DECIMAL(9, 2) / 8)::DECIMAL(9, 2) AS dec9,
  (i * 1.5 - 1000)::DECIMAL(18, 3) AS dec18,
  ('ab' || i)::BLOB AS bl,
  (i % 200)::UTINYINT AS u8,
  (4000000000 + i)::UINTEGER AS u32,
  {'a': i} AS st,
  MAP {'k': i} AS m
FROM range(${N}) t(i)`;
const DUCK_UNSUPPORTED = ['st', 'm'];

// A select expression returning column c (of DuckDB type t) in the encoding above.
function expr(c, t) {
  const id = ident(c);
  if (t === 'BLOB') return `hex(${id})`;
  if (t === 'BOOLEAN') return id;
  if (t === 'TIMESTAMP WITH TIME ZONE') return `CAST(epoch_us(${id}) AS VARCHAR)`;
  if (t.startsWith('TIMESTAMP') || t === 'DATE') {
    return `CAST(epoch_us(CAST(${id} AS TIMESTAMP)) AS VARCHAR)`;
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return `CAST(${id} AS DOUBLE)`;
  if (t.endsWith('[]')) return `CAST(to_json(${id}) AS VARCHAR)`;
  return `CAST(${id} AS VARCHAR)`;
}

function encode(v, t) {
  if (v === null || v === undefined) return null;
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return String(v);
  if (t === 'VARCHAR[]') return JSON.parse(v);
  return v;
}

// What DuckDB reads from `file`, in the encoding above.
async function readBack(con, file, skip) {
  const source = `read_parquet(${q(file)})`;
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  const columns = desc.filter((d) => !skip.includes(d.column_name))
    .map((d) => ({ name: d.column_name, type: d.column_type }));
  const select = columns.map((c) => expr(c.name, c.type)).join(', ');
  const rows = (await con.runAndReadAll(`SELECT ${select} FROM ${source}`)).getRows()
    .map((r) => r.map((v, k) => encode(v, columns[k].type)));
  return { columns, rows };
}

async function duckdbFiles(con, manifest) {
  await con.run(`CREATE TABLE t AS ${SOURCE}`);
  const files = [];
  for (const codec of ['zstd', 'snappy', 'gzip', 'uncompressed']) {
    files.push({ name: `duckdb_${codec}`, codec, options: `COMPRESSION '${codec}', ROW_GROUP_SIZE 1000` });
  }
  files.push({ name: 'duckdb_plain', codec: 'snappy',
               options: "COMPRESSION 'snappy', DICTIONARY_SIZE_LIMIT 1" });
  files.push({ name: 'duckdb_one_group', codec: 'zstd', options: "COMPRESSION 'zstd'" });
  for (const f of files) {
    const file = path.join(out, `${f.name}.parquet`);
    await con.run(`COPY t TO ${q(file)} (FORMAT parquet, ${f.options})`);
    manifest.push({ name: f.name, writer: 'duckdb', codec: f.codec,
                    unsupported: DUCK_UNSUPPORTED });
  }
  // Data pages v2, where DuckDB encodes numbers with DELTA_BINARY_PACKED, strings it does not
  // put in a dictionary with DELTA_LENGTH_BYTE_ARRAY and doubles with BYTE_STREAM_SPLIT.
  const v2 = path.join(out, 'duckdb_v2.parquet');
  await con.run(`COPY t TO ${q(v2)}
                 (FORMAT parquet, PARQUET_VERSION 'V2', COMPRESSION 'zstd', ROW_GROUP_SIZE 2000)`);
  manifest.push({ name: 'duckdb_v2', writer: 'duckdb', codec: 'zstd',
                  unsupported: DUCK_UNSUPPORTED });
}

// The same kinds of values through Apache Arrow into parquet-wasm (the Rust parquet crate),
// which writes data pages v2 with RLE booleans.
function arrowTable() {
  const col = (f) => Array.from({ length: N }, (_, i) => f(i));
  return new arrow.Table({
    id: arrow.vectorFromArray(col((i) => BigInt(i) * 1000003n - 5000000n), new arrow.Int64()),
    s: arrow.vectorFromArray(col((i) => (i % 7 === 0 ? null : `name-${i % 50}`)), new arrow.Utf8()),
    u: arrow.vectorFromArray(col((i) => (i % 5 === 0 ? null : `unique-${i}-${'ü'.repeat(i % 20)}`)),
                             new arrow.Utf8()),
    b: arrow.vectorFromArray(col((i) => (i % 9 === 0 ? null : i % 3 === 0)), new arrow.Bool()),
    i32: arrow.vectorFromArray(col((i) => (i % 4 === 0 ? null : i * 37 - 9000)), new arrow.Int32()),
    d: arrow.vectorFromArray(col((i) => i / 7 - 100), new arrow.Float64()),
    tags: arrow.vectorFromArray(
      col((i) => (i % 6 === 0 ? null : i % 6 === 1 ? [] : [`a${i % 3}`, `b${i % 5}`])),
      new arrow.List(new arrow.Field('item', new arrow.Utf8(), true))),
    ts: arrow.vectorFromArray(col((i) => 1767225600000 + i * 1001),
                              new arrow.TimestampMillisecond('UTC')),
  });
}

function wasmFiles(manifest) {
  const table = () => pw.Table.fromIPCStream(arrow.tableToIPC(arrowTable(), 'stream'));
  const variants = [
    { name: 'wasm_v2_dictionary', codec: pw.Compression.ZSTD, build: (b) => b },
    { name: 'wasm_v2_plain', codec: pw.Compression.SNAPPY,
      build: (b) => b.setDictionaryEnabled(false).setEncoding(pw.Encoding.PLAIN)
        .setDataPageSizeLimit(4096) },
    { name: 'wasm_v2_fallback', codec: pw.Compression.GZIP,
      build: (b) => b.setEncoding(pw.Encoding.PLAIN).setDictionaryPageSizeLimit(512) },
    { name: 'wasm_v2_uncompressed', codec: pw.Compression.UNCOMPRESSED, build: (b) => b },
    // Without dictionaries, v2 writes integers as DELTA_BINARY_PACKED and strings as
    // DELTA_BYTE_ARRAY.
    { name: 'wasm_v2_delta', codec: pw.Compression.ZSTD,
      build: (b) => b.setDictionaryEnabled(false) },
  ];
  for (const v of variants) {
    const base = new pw.WriterPropertiesBuilder().setWriterVersion(pw.WriterVersion.V2)
      .setCompression(v.codec).setMaxRowGroupSize(1500);
    const bytes = pw.writeParquet(table(), v.build(base).build());
    fs.writeFileSync(path.join(out, `${v.name}.parquet`), bytes);
    manifest.push({ name: v.name, writer: 'parquet-wasm', codec: String(v.codec),
                    unsupported: [] });
  }
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  const manifest = [];
  await duckdbFiles(con, manifest);
  wasmFiles(manifest);
  for (const m of manifest) {
    const file = path.join(out, `${m.name}.parquet`);
    const expected = await readBack(con, file, m.unsupported);
    fs.writeFileSync(path.join(out, `${m.name}.json`), JSON.stringify(expected));
  }
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  process.stdout.write(JSON.stringify({ ok: true, files: manifest.length }) + '\n');
}

main().catch((e) => {
  process.stdout.write(`${e.stack || e}\n`);
  process.exit(1);
});
