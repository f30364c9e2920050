// The server is killed (SIGKILL, no cleanup) while the SDK is flushing and started again on the
// same port and data: the SDK retries, and every logged span is stored once, whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SluiceServer, sluiceBinary } from './sluice_server.mjs';

const server = new SluiceServer(sluiceBinary());
let bt;

before(async () => {
  await server.start();
  process.env.BRAINTRUST_APP_URL = server.url;
  process.env.BRAINTRUST_API_URL = server.url;
  process.env.BRAINTRUST_API_KEY = server.credentials().api_key;
  // The SDK's own setting: up to 6 tries (1, 2, 4, 8, 16 s apart), enough for a restart.
  process.env.BRAINTRUST_NUM_RETRIES = '5';
  bt = await import('braintrust');
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('a flush across a server crash and restart loses nothing', async () => {
  const logger = bt.initLogger({ projectName: 'restart' });
  const projectId = (await logger.project).id;
  const expected = new Map();
  for (let i = 0; i < 3000; i++) {
    logger.traced((span) => {
      span.log({ input: { n: i }, output: `out-${i}`, metadata: { pad: 'p'.repeat(500) } });
      expected.set(span.id, i);
    }, { name: `span-${i}` });
  }
  let flushed = false;
  const flushing = logger.flush().then(() => { flushed = true; });
  await new Promise((r) => setTimeout(r, 30));
  await server.stop('SIGKILL');
  assert.equal(flushed, false, 'the flush was still running when the server died');
  await new Promise((r) => setTimeout(r, 500));
  await server.start();
  await flushing;
  const rows = await server.fetchAll('project_logs', projectId);
  const seen = new Map();
  for (const r of rows) {
    assert.ok(!seen.has(r.id), `row ${r.id} twice`);
    seen.set(r.id, r);
  }
  assert.equal(seen.size, expected.size);
  for (const [id, n] of expected) {
    const r = seen.get(id);
    assert.ok(r, `span ${n} lost`);
    assert.deepEqual(r.input, { n });
    assert.equal(r.output, `out-${n}`);
    assert.equal(r.span_attributes.name, `span-${n}`);
    assert.equal(typeof r.metrics.end, 'number');
  }
});
