// A batch larger than the /logs3 limit sluice advertises (here 4 KiB, set by a server flag)
// goes through the SDK's overflow path: POST /logs3/overflow, an upload to the signed URL on
// sluice, then /logs3 naming the upload. Every row arrives whole, and the upload URL works once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SluiceServer, sluiceBinary } from './sluice_server.mjs';

const server = new SluiceServer(sluiceBinary(), ['--logs3-payload-max-bytes', '4096']);
let bt;

before(async () => {
  await server.start();
  process.env.BRAINTRUST_APP_URL = server.url;
  process.env.BRAINTRUST_API_URL = server.url;
  process.env.BRAINTRUST_API_KEY = server.credentials().api_key;
  bt = await import('braintrust');
});

after(async () => {
  await server.stop();
  server.cleanup();
});

async function overflowRequests() {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('sluice_http_requests_total') &&
    l.includes('route="/logs3/overflow"') && l.includes('code="200"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('/version advertises the configured limit', async () => {
  const r = await (await fetch(`${server.url}/version`)).json();
  assert.equal(r.logs3_payload_max_bytes, 4096);
});

test('rows larger than the limit are uploaded first and arrive whole', async () => {
  const logger = bt.initLogger({ projectName: 'overflow' });
  const big = 'x'.repeat(20000);
  const ids = [];
  for (let i = 0; i < 5; i++) {
    logger.traced((span) => {
      ids.push(span.id);
      span.log({ input: `${i}:${big}`, output: i });
    }, { name: `big-${i}` });
  }
  await logger.flush();
  assert.ok(await overflowRequests() >= 1, 'the SDK used /logs3/overflow');
  const projectId = (await logger.project).id;
  const rows = await server.fetchAll('project_logs', projectId);
  assert.equal(rows.length, 5);
  for (const r of rows) {
    assert.ok(ids.includes(r.id));
    assert.equal(r.input, `${r.output}:${big}`);
  }
});

test('an upload URL is signed, works once, and a missing upload is a clear 400', async () => {
  const key = server.credentials().api_key;
  const call = (path, body) => server.call('POST', path, body, key);
  const grant = await call('/logs3/overflow', { content_type: 'application/json', size_bytes: 10 });
  assert.equal(grant.status, 200);
  assert.equal(grant.body.method, 'PUT');
  const missing = await call('/logs3', { rows: { type: 'logs3_overflow', key: grant.body.key },
    api_version: 2 });
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.message, /no payload was uploaded/);
  const tampered = grant.body.signedUrl.replace(/signature=[0-9a-f]{4}/, 'signature=0000');
  assert.equal((await fetch(tampered, { method: 'PUT', body: '{}' })).status, 403);
  const put = () => fetch(grant.body.signedUrl, { method: 'PUT', headers: grant.body.headers,
    body: JSON.stringify({ rows: [], api_version: 2 }) });
  assert.equal((await put()).status, 200);
  assert.equal((await put()).status, 409);
  const applied = await call('/logs3', { rows: { type: 'logs3_overflow', key: grant.body.key },
    api_version: 2 });
  assert.equal(applied.status, 200);
});
