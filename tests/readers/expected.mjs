// Loads the rows a test wrote and the schema it used, and compares values read back by a
// third-party reader with them. Expected JSON Lines encode int64 and timestamp (micros) as
// decimal strings, JSON columns as their JSON text, lists as arrays of strings.
import fs from 'node:fs';

export function loadExpected(schemaPath, rowsPath) {
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  const text = fs.readFileSync(rowsPath, 'utf8');
  const rows = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  return { columns: schema.columns, rows };
}

function show(v) {
  const s = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 200 ? s.slice(0, 200) + '…' : s;
}

// Throws with row, column and both values at the first difference. `get(row, k)` returns the
// reader's value normalized to the expected encoding.
export function compareRows(reader, columns, expected, actualCount, get) {
  if (actualCount !== expected.length) {
    throw new Error(`${reader}: ${actualCount} rows read, ${expected.length} written`);
  }
  for (let r = 0; r < expected.length; r++) {
    for (let k = 0; k < columns.length; k++) {
      const name = columns[k].name;
      const want = expected[r][name] === undefined ? null : expected[r][name];
      const got = get(r, k);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new Error(`${reader}: row ${r} column ${name}: read ${show(got)}, wrote ${show(want)}`);
      }
    }
  }
}

// Runs main() and reports: a JSON summary line on success, the error and exit code 1 otherwise.
export function run(main) {
  main().then((summary) => {
    process.stdout.write(JSON.stringify({ ok: true, ...summary }) + '\n');
  }).catch((e) => {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.stack || e) }) + '\n');
    process.exit(1);
  });
}
