// The Braintrust JS SDK (pinned in tests/package.json) against a real `sluice serve`, configured
// only through BRAINTRUST_APP_URL, BRAINTRUST_API_URL and BRAINTRUST_API_KEY: login, a logger
// with nested traced spans, updateSpan, experiments with summarize() against a base experiment,
// datasets with insert/update/delete and the SDK's own fetch(), and an attachment round trip.
// What the SDK wrote is read back through sluice's /v1 fetch and /btql, and the catalog objects
// the SDK calls return are validated against Braintrust's OpenAPI schemas.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';

import { SluiceServer, sluiceBinary } from './sluice_server.mjs';

const server = new SluiceServer(sluiceBinary());
let bt;
let creds;

const spec = JSON.parse(fs.readFileSync(fileURLToPath(
  new URL('../data/braintrust-openapi/spec-subset.json', import.meta.url)), 'utf8'));

// OpenAPI 3.0's `nullable: true` as JSON Schema: null is one more allowed type.
function jsonSchema(node) {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = jsonSchema(v);
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.$ref || out.allOf || out.anyOf || out.oneOf) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

// Validates `value` against components.schemas[name] of the OpenAPI subset.
function assertSchema(name, value) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  ajv.addSchema({ components: jsonSchema(spec.components) }, 'spec');
  const ok = ajv.validate({ $ref: `spec#/components/schemas/${name}` }, value);
  assert.ok(ok, `${name}: ${ajv.errorsText()} in ${JSON.stringify(value).slice(0, 400)}`);
}

before(async () => {
  await server.start();
  creds = server.credentials();
  process.env.BRAINTRUST_APP_URL = server.url;
  process.env.BRAINTRUST_API_URL = server.url;
  process.env.BRAINTRUST_API_KEY = creds.api_key;
  bt = await import('braintrust');
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('login names the key\'s org and sluice itself as the API URL', async () => {
  const r = await fetch(`${server.url}/api/apikey/login`, {
    method: 'POST', headers: { Authorization: `Bearer ${creds.api_key}` } });
  assert.equal(r.status, 200);
  const info = await r.json();
  assert.equal(info.org_info.length, 1);
  assert.equal(info.org_info[0].id, creds.org_id);
  assert.equal(info.org_info[0].api_url, server.url);
  const state = await bt.login({ forceLogin: true });
  assert.equal(state.orgId, creds.org_id);
  assert.equal(state.orgName, info.org_info[0].name);
});

test('a logger\'s nested traced spans arrive with parents, timings, scores and metadata',
  async () => {
    const logger = bt.initLogger({ projectName: 'sdk-logs' });
    const ids = {};
    await logger.traced(async (root) => {
      ids.root = root.id;
      ids.rootSpan = root.spanId;
      root.log({ input: { question: 'What is 2+2?' }, output: '4', metadata: { env: 'test' },
        scores: { quality: 0.75 } });
      await root.traced(async (llm) => {
        ids.llm = llm.id;
        llm.log({ input: [{ role: 'user', content: 'What is 2+2?' }], output: '4',
          metrics: { prompt_tokens: 10, completion_tokens: 2, tokens: 12 },
          metadata: { model: 'gpt-test' } });
        await llm.traced(async (tool) => {
          ids.tool = tool.id;
          tool.log({ output: { sum: 4 } });
        }, { name: 'calculator', type: 'tool' });
      }, { name: 'chat', type: 'llm' });
    }, { name: 'handle-question' });
    await logger.flush();
    const projectId = (await logger.project).id;
    const rows = await server.fetchAll('project_logs', projectId);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.equal(rows.length, 3, JSON.stringify(rows));
    const root = byId[ids.root];
    const llm = byId[ids.llm];
    const tool = byId[ids.tool];
    assert.deepEqual(root.span_parents, null);
    assert.equal(root.is_root, true);
    assert.equal(root.span_id, ids.rootSpan);
    assert.deepEqual(llm.span_parents, [root.span_id]);
    assert.deepEqual(tool.span_parents, [llm.span_id]);
    for (const r of rows) assert.equal(r.root_span_id, root.root_span_id);
    assert.deepEqual(root.input, { question: 'What is 2+2?' });
    assert.equal(root.output, '4');
    assert.deepEqual(root.metadata, { env: 'test' });
    assert.deepEqual(root.scores, { quality: 0.75 });
    assert.deepEqual(root.span_attributes.name, 'handle-question');
    assert.equal(llm.span_attributes.type, 'llm');
    assert.equal(tool.span_attributes.type, 'tool');
    assert.equal(llm.metrics.prompt_tokens, 10);
    assert.equal(llm.metrics.tokens, 12);
    assert.equal(llm.metadata.model, 'gpt-test');
    for (const r of rows) {
      assert.equal(typeof r.metrics.start, 'number');
      assert.ok(r.metrics.end >= r.metrics.start, JSON.stringify(r.metrics));
      assert.equal(r.log_id, 'g');
      assert.equal(r.project_id, projectId);
    }
    // The same rows through BTQL, and through the SDK's own JSON query form.
    const q = await server.call('POST', '/btql', {
      query: `select: id, span_attributes.name as name | from: project_logs('${projectId}') | ` +
        `filter: span_attributes.type = 'llm'` });
    assert.equal(q.status, 200, JSON.stringify(q.body));
    assert.deepEqual(q.body.data, [{ id: ids.llm, name: 'chat' }]);
    const fetchResponse = await server.call('POST', `/v1/project_logs/${projectId}/fetch`, {});
    assertSchema('FetchProjectLogsEventsResponse', fetchResponse.body);
  });

test('updateSpan merges into the logged span', async () => {
  const logger = bt.initLogger({ projectName: 'sdk-logs' });
  let id;
  await logger.traced(async (span) => {
    id = span.id;
    span.log({ input: 'q', output: 'first', metadata: { a: 1, nested: { x: 1 } } });
  }, { name: 'to-update' });
  await logger.flush();
  logger.updateSpan({ id, output: 'second', metadata: { b: 2, nested: { y: 2 } },
    scores: { later: 1 } });
  await logger.flush();
  const projectId = (await logger.project).id;
  const row = (await server.fetchAll('project_logs', projectId)).find((r) => r.id === id);
  assert.equal(row.output, 'second');
  assert.equal(row.input, 'q');
  assert.deepEqual(row.metadata, { a: 1, nested: { x: 1, y: 2 }, b: 2 });
  assert.deepEqual(row.scores, { later: 1 });
  assert.equal(row.span_attributes.name, 'to-update');
});

// Logs one experiment: one traced row per [input, expected, output, score].
async function runExperiment(name, options, rows) {
  const exp = bt.init('sdk-evals', { experiment: name, ...options });
  for (const [input, expected, output, acc] of rows) {
    exp.traced((span) => {
      span.log({ input, expected, output, scores: { acc } });
      span.traced((llm) => llm.log({ metrics: { prompt_tokens: 100, completion_tokens: 10,
        tokens: 110 } }), { name: 'llm', type: 'llm' });
    });
  }
  return exp;
}

test('an experiment summarizes its scores against the base experiment', async () => {
  const base = await runExperiment('baseline', {}, [
    ['q1', 'a1', 'x', 0], ['q2', 'a2', 'a2', 1], ['q3', 'a3', 'x', 0], ['q4', 'a4', 'a4', 1]]);
  const baseSummary = await base.summarize();
  assert.equal(baseSummary.scores.acc.score, 0.5);
  const exp = await runExperiment('candidate', { baseExperiment: 'baseline' }, [
    ['q1', 'a1', 'a1', 1], ['q2', 'a2', 'a2', 1], ['q3', 'a3', 'a3', 1], ['q4', 'a4', 'x', 0]]);
  const s = await exp.summarize();
  assert.equal(s.comparisonExperimentName, 'baseline');
  assert.equal(s.scores.acc.score, 0.75);
  assert.equal(s.scores.acc.diff, 0.25);
  assert.equal(s.scores.acc.improvements, 2);
  assert.equal(s.scores.acc.regressions, 1);
  assert.equal(s.metrics.total_tokens.metric, 110);
  assert.equal(s.metrics.total_tokens.unit, 'tok');
  assert.equal(s.metrics.prompt_tokens.diff, 0);
  assert.equal(typeof s.metrics.duration.metric, 'number');
  const rows = await server.fetchAll('experiment', s.experimentId);
  assert.equal(rows.length, 8);
  assert.equal(rows.filter((r) => r.is_root).length, 4);
  // A second run under a taken name gets a new name; update: true appends to the first.
  const again = bt.init('sdk-evals', { experiment: 'candidate' });
  assert.equal(await again.name, 'candidate-1');
  const appended = bt.init('sdk-evals', { experiment: 'candidate', update: true });
  assert.equal(await appended.id, s.experimentId);
  // The registration answer is Braintrust's Experiment and Project.
  const reg = await server.call('POST', '/api/experiment/register',
    { project_name: 'sdk-evals', experiment_name: 'candidate', update: true });
  assertSchema('Experiment', reg.body.experiment);
  assertSchema('Project', reg.body.project);
  assert.equal(reg.body.experiment.base_exp_id, baseSummary.experimentId);
});

test('a dataset takes inserts, updates and deletes, and the SDK fetches it back', async () => {
  const ds = bt.initDataset('sdk-data', { dataset: 'qa' });
  const a = ds.insert({ input: { q: 'a' }, expected: 'A', metadata: { src: 'x' } });
  const b = ds.insert({ input: { q: 'b' }, expected: 'B', tags: ['t1'] });
  const c = ds.insert({ input: { q: 'c' }, expected: 'C' });
  await ds.flush();
  ds.update({ id: b, expected: 'B2', metadata: { reviewed: true } });
  ds.delete(c);
  await ds.flush();
  const fetched = [];
  for await (const r of ds.fetch()) fetched.push(r);
  const byId = Object.fromEntries(fetched.map((r) => [r.id, r]));
  assert.deepEqual(Object.keys(byId).sort(), [a, b].sort());
  assert.deepEqual(byId[a].input, { q: 'a' });
  assert.equal(byId[a].expected, 'A');
  assert.equal(byId[b].expected, 'B2');
  assert.deepEqual(byId[b].metadata, { reviewed: true });
  assert.deepEqual(byId[b].tags, ['t1']);
  const reg = await server.call('POST', '/api/dataset/register',
    { project_name: 'sdk-data', dataset_name: 'qa' });
  assertSchema('Dataset', reg.body.dataset);
  assert.equal(reg.body.dataset.id, await ds.id);
  // initDataset by id resolves it through get_object_info.
  const byIdDs = bt.initDataset({ datasetId: await ds.id });
  assert.equal(await byIdDs.name, 'qa');
});

test('a dataset read pinned to a version is refused with the reason', async () => {
  const ds = bt.initDataset('sdk-data', { dataset: 'versioned', version: '1' });
  await assert.rejects(async () => {
    for await (const r of ds.fetch()) assert.fail(`read ${JSON.stringify(r)}`);
  }, /pinned reads are not served/);
});

test('the SDK pages a dataset of more rows than one BTQL page', async () => {
  const ds = bt.initDataset('sdk-data', { dataset: 'big' });
  const ids = new Set();
  for (let i = 0; i < 2500; i++) ids.add(ds.insert({ input: i, expected: i * 2 }));
  await ds.flush();
  const seen = new Set();
  for await (const r of ds.fetch()) {
    assert.equal(r.expected, r.input * 2);
    seen.add(r.id);
  }
  assert.equal(seen.size, 2500);
  assert.deepEqual([...seen].sort(), [...ids].sort());
});

test('an attachment is uploaded to sluice and read back', async () => {
  const logger = bt.initLogger({ projectName: 'sdk-logs' });
  const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => i % 251));
  let id;
  logger.traced((span) => {
    id = span.id;
    span.log({ input: { file: new bt.Attachment({ data: bytes, filename: 'blob.bin',
      contentType: 'application/octet-stream' }) } });
  }, { name: 'with-attachment' });
  await logger.flush();
  const projectId = (await logger.project).id;
  const row = (await server.fetchAll('project_logs', projectId)).find((r) => r.id === id);
  const ref = row.input.file;
  assert.equal(ref.type, 'braintrust_attachment');
  assert.equal(ref.filename, 'blob.bin');
  const readonly = new bt.ReadonlyAttachment(ref);
  assert.deepEqual(await readonly.status(), { upload_status: 'done' });
  const data = Buffer.from(await (await readonly.data()).arrayBuffer());
  assert.ok(data.equals(bytes));
  // An export writes the row with its reference (the bytes stay in sluice).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sdk-export-'));
  const token = await server.admin('create-key', '--name', 'exporter', '--project', projectId,
    '--service-token');
  // Paused: only the run below writes (an active export is started by the scheduler too,
  // and a manual run while that one holds the automation is refused with 409).
  const a = await server.call('POST', '/v1/project_automation', { project_id: projectId,
    name: 'with-attachments', config: { event_type: 'btql_export',
      export_definition: { type: 'log_spans' }, export_path: `file://${dir}`, format: 'jsonl',
      interval_seconds: 3600, status: 'paused' } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal((await server.call('POST', '/automation/cron', { automation_id: a.body.id,
    cron: { type: 'btql_export' }, service_token: token })).status, 200);
  const run = await server.call('POST', `/automation/cron/${a.body.id}/run`, {});
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const files = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.jsonl'));
  const exported = files.flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim()
    .split('\n').map((l) => JSON.parse(l)));
  assert.deepEqual(exported.find((r) => r.id === id).input.file, ref);
  fs.rmSync(dir, { recursive: true, force: true });
});
