// Reads a Parquet file sluice wrote with hyparquet (+ hyparquet-compressors) and compares
// schema and every value with what the test wrote.
// Usage: node hyparquet_check.mjs <file.parquet> <schema.json> <rows.jsonl>
import fs from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { loadExpected, compareRows, run } from './expected.mjs';

// Expected physical type and annotation of each leaf, from the file's schema elements.
const LEAF = {
  string: ['BYTE_ARRAY', 'UTF8'], json: ['BYTE_ARRAY', 'JSON'], int64: ['INT64', undefined],
  double: ['DOUBLE', undefined], bool: ['BOOLEAN', undefined],
  timestamp: ['INT64', 'TIMESTAMP_MICROS'], 'list<string>': ['BYTE_ARRAY', 'UTF8'],
};

function checkSchema(schema, columns) {
  let at = 1;
  for (const c of columns) {
    const el = schema[at];
    if (el.name !== c.name) throw new Error(`schema element ${at} is ${el.name}, want ${c.name}`);
    if (c.type === 'list<string>') {
      if (el.converted_type !== 'LIST' || schema[at + 1].repetition_type !== 'REPEATED') {
        throw new Error(`${c.name} is not a 3-level LIST`);
      }
      at += 2;
    }
    const leaf = schema[at];
    const [type, converted] = LEAF[c.type];
    if (leaf.type !== type || leaf.converted_type !== converted) {
      throw new Error(`${c.name}: ${leaf.type}/${leaf.converted_type}, want ${type}/${converted}`);
    }
    if (c.type === 'timestamp' && !leaf.logical_type?.isAdjustedToUTC) {
      throw new Error(`${c.name}: timestamp not adjusted to UTC`);
    }
    at += 1;
  }
}

function normalize(c, v) {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int64': return String(v);
    case 'timestamp':
      // hyparquet turns timestamps into Dates (millisecond precision) or keeps micros.
      return v instanceof Date ? `ms:${v.getTime()}` : String(v);
    // hyparquet parses JSON-annotated columns; a JSON string value comes back as a JS string.
    case 'json': return JSON.stringify(v);
    case 'list<string>': return Array.from(v);
    default: return v;
  }
}

async function main() {
  const [file, schemaPath, rowsPath] = process.argv.slice(2);
  const { columns, rows } = loadExpected(schemaPath, rowsPath);
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(ab);
  checkSchema(meta.schema, columns);
  const data = await parquetReadObjects({ file: ab, compressors });
  // JSON values come back parsed; compare them as parsed JSON; timestamps in the reader's form.
  const want = rows.map((row, r) => {
    const out = {};
    for (const c of columns) {
      const v = row[c.name] ?? null;
      if (v !== null && c.type === 'json') out[c.name] = JSON.stringify(JSON.parse(v));
      else if (v !== null && c.type === 'timestamp') {
        const got = data[r]?.[c.name];
        out[c.name] = got instanceof Date ? `ms:${Math.floor(Number(BigInt(v)) / 1000)}` : v;
      } else out[c.name] = v;
    }
    return out;
  });
  compareRows('hyparquet', columns, want, data.length,
    (r, k) => normalize(columns[k], data[r][columns[k].name]));
  return { rows: data.length, row_groups: meta.row_groups.length };
}

run(main);
