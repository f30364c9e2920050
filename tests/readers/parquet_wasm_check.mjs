// Reads a Parquet file sluice wrote with parquet-wasm (the Rust parquet crate compiled to
// WebAssembly) into an Apache Arrow table and compares types and every value with what the
// test wrote. Usage: node parquet_wasm_check.mjs <file.parquet> <schema.json> <rows.jsonl>
import fs from 'node:fs';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { loadExpected, compareRows, run } from './expected.mjs';

const ARROW = {
  string: /^Utf8$/, json: /^Utf8$/, int64: /^Int64$/, double: /^Float64$/, bool: /^Bool$/,
  timestamp: /^Timestamp<MICROSECOND, UTC>$/, 'list<string>': /^List<Utf8>$/,
};

function normalize(c, v) {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int64': return String(v);
    // Arrow JS gives timestamps as epoch milliseconds (a fractional number) or raw bigint.
    case 'timestamp': return typeof v === 'bigint' ? String(v) : String(Math.round(v * 1000));
    case 'list<string>': return Array.from(v);
    default: return v;
  }
}

async function main() {
  const [file, schemaPath, rowsPath] = process.argv.slice(2);
  const { columns, rows } = loadExpected(schemaPath, rowsPath);
  const wasmTable = readParquet(new Uint8Array(fs.readFileSync(file)));
  const table = tableFromIPC(wasmTable.intoIPCStream());
  const fields = table.schema.fields;
  if (fields.length !== columns.length) {
    throw new Error(`parquet-wasm: ${fields.length} columns, want ${columns.length}`);
  }
  columns.forEach((c, k) => {
    const t = String(fields[k].type);
    if (fields[k].name !== c.name || !ARROW[c.type].test(t)) {
      throw new Error(`parquet-wasm: column ${k} is ${fields[k].name}: ${t}, want ${c.name}: ${c.type}`);
    }
  });
  const vectors = columns.map((c) => table.getChild(c.name));
  compareRows('parquet-wasm', columns, rows, table.numRows,
    (r, k) => normalize(columns[k], vectors[k].get(r)));
  return { rows: table.numRows };
}

run(main);
