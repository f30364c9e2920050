// Drives the automations UI in Debian's Chromium (playwright-core, no browser download) the way
// a person would: sign in and open the form with the keyboard only, create an S3 export, see a
// role with the wrong trust policy fail with the actionable message, have it fixed, test, save,
// run once, read the run in the status dialog, reset, and create a retention policy with its
// preview, run and restore it (which pauses it), resume it, and read its grace period in words. Started by automations_ui_test.py, which answers `FIX_ROLE <external_id>` lines.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const env = process.env;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const consoleErrors = [];
let page;
let shot = 0;

function step(text) { console.log(`step: ${text}`); }

async function screenshot(name) {
  shot += 1;
  const file = path.join(env.ARTIFACT_DIR, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function askParent(line) {
  console.log(line);
  const { value } = await lines.next();
  assert.equal(value, 'OK');
}

async function api(method, p, body) {
  const headers = { Authorization: `Bearer ${env.SLUICE_KEY}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(p, env.SLUICE_URL), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

async function signInWithKeyboard() {
  step('sign in with the keyboard only');
  await page.goto(env.SLUICE_URL);
  for (let i = 0; i < 10; i += 1) {
    if (await page.evaluate(() => document.activeElement.id) === 'api-key') break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'api-key');
  await page.keyboard.type(env.SLUICE_KEY);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Automations' }).waitFor();
  const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('sluice.apiKey'),
                                              local: localStorage.length, url: location.href }));
  assert.equal(stored.session, env.SLUICE_KEY);
  assert.equal(stored.local, 0, 'nothing in localStorage');
  assert.ok(!stored.url.includes(env.SLUICE_KEY), 'key not in the URL');
  assert.equal(await page.getByLabel('Project').inputValue(), env.SLUICE_PROJECT_ID);
  await screenshot('signed-in');
}

async function openFormWithKeyboard() {
  step('open the form with the keyboard');
  // After sign-in focus is on "+ Automation"; Enter opens the editor.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '+ Automation');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'New automation' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'type-export');
  await page.keyboard.press('Tab');
  await page.keyboard.type('nightly spans');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'nightly spans');
}

async function checkQuery() {
  step('check a custom query: the parse error shows in place with line:col');
  await page.getByLabel('Data to export').selectOption({ label: 'Custom query' });
  const editor = page.getByLabel('Custom query (BTQL or SQL)');
  await editor.fill(`select: id\n| from: project_logs('${env.SLUICE_PROJECT_ID}')\n| filter: = 3`);
  await page.getByRole('button', { name: 'Check query' }).click();
  const result = page.locator('#query-result');
  await result.locator('.error').waitFor();
  const message = await result.locator('.error').textContent();
  assert.match(message, /at 3:\d+/, message);
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  assert.match(await result.locator('pre.caret').textContent(), /filter: = 3\n\s*\^/);
  await screenshot('query-error');
  await editor.fill(`select: id | from: project_logs('${env.SLUICE_PROJECT_ID}') spans`);
  await page.getByRole('button', { name: 'Check query' }).click();
  await result.getByText('The query parses and runs.').waitFor();
  await page.getByLabel('Data to export').selectOption({ label: 'Logs (spans)' });
  assert.ok(!(await editor.isVisible()));
}

async function destinationFromThePath() {
  step('the path chooses the destination: its credentials and what to grant to whom');
  const path = page.getByLabel('Export path');
  await path.fill('az://acct/logs/team');
  assert.ok(!(await page.getByLabel('Role ARN').isVisible()));
  await page.getByLabel('Tenant ID').fill('c0570000-0000-0000-0000-000000000002');
  await page.getByLabel('Client ID').fill('a9900000-0000-0000-0000-000000000003');
  const federated = JSON.parse(await page.getByLabel('Federated credential JSON', { exact: true }).inputValue());
  assert.deepEqual(federated.audiences, ['api://AzureADTokenExchange']);
  const assignment = await page.getByLabel('Role assignment (Azure CLI)', { exact: true }).inputValue();
  assert.match(assignment, /--role "Storage Blob Data Contributor" \\\n {2}--assignee a9900000-0000-0000-0000-000000000003 /);
  assert.match(assignment, /--name acct .*\/containers\/logs"$/);
  await page.getByLabel('Azure access').selectOption('azure_sas');
  assert.ok(!(await page.getByLabel('Tenant ID').isVisible()));
  await page.locator('#azure-env-note').getByText('AZURE_STORAGE_SAS_TOKEN').waitFor();
  await path.fill('https://acct.blob.core.windows.net/logs/team');
  assert.ok(await page.getByLabel('Azure access').isVisible());
  await screenshot('azure-destination');

  await path.fill('gs://exports-bucket/team');
  assert.ok(!(await page.getByLabel('Azure access').isVisible()));
  await page.getByLabel('Service account', { exact: true })
    .fill('sluice-export@customer.iam.gserviceaccount.com');
  assert.match(await page.getByLabel('Bucket role binding (gcloud)', { exact: true }).inputValue(),
               /gs:\/\/exports-bucket \\\n {2}--member="serviceAccount:sluice-export@customer\.iam\.gserviceaccount\.com" \\\n {2}--role="roles\/storage\.objectUser"/);
  assert.match(await page.getByLabel('Token Creator binding (gcloud)', { exact: true }).inputValue(),
               /add-iam-policy-binding \\\n {2}sluice-export@customer\.iam\.gserviceaccount\.com \\\n[^]*roles\/iam\.serviceAccountTokenCreator/);
  await screenshot('gcs-destination');

  await path.fill('file:///tmp/exports');
  assert.ok(!(await page.getByLabel('Service account', { exact: true }).isVisible()));
  assert.ok(!(await page.getByRole('group', { name: 'Access to grant' }).isVisible()));
  await path.fill('');
}

async function createWithWrongRole() {
  step('create paused, test with a role trusting another ExternalId');
  await page.getByLabel('Export path').fill(env.EXPORT_PATH);
  await page.getByLabel('Role ARN').fill(env.ROLE_ARN);
  await page.getByLabel('Format').selectOption({ label: 'JSON Lines' });
  await page.getByLabel('Interval').selectOption({ label: '1 h' });
  const s3Policy = await page.getByLabel('S3 policy JSON', { exact: true }).inputValue();
  assert.equal(JSON.parse(s3Policy).Statement[0].Resource,
               `arn:aws:s3:::${env.EXPORT_PATH.slice(5)}/*`);
  // Before the automation exists the server tests it under the placeholder id "new".
  await page.getByRole('button', { name: 'Test automation' }).click();
  const placeholder = page.getByLabel('ExternalId', { exact: true });
  await placeholder.waitFor();
  assert.match(await placeholder.inputValue(), new RegExp(`:${env.SLUICE_PROJECT_ID}:new$`));
  await page.locator('#externalid-note').getByText('placeholder id “new”').waitFor();
  await page.getByRole('button', { name: 'Create paused' }).click();
  await page.getByRole('heading', { name: 'Edit automation “nightly spans”' }).waitFor();
  const externalId = page.getByLabel('ExternalId', { exact: true });
  await externalId.waitFor();
  const ext = await externalId.inputValue();
  assert.match(ext, new RegExp(`^sluice:[0-9a-f-]{36}:${env.SLUICE_PROJECT_ID}:[0-9a-f-]{36}$`));
  assert.ok(await page.getByLabel('Export path').getAttribute('readonly') !== null);
  await page.getByRole('button', { name: 'Test automation' }).click();
  const result = page.locator('#test-result');
  await result.getByText('Test failed:').waitFor();
  const failed = await result.locator('li.failed').textContent();
  assert.match(failed, /assume role/);
  assert.ok(failed.includes("AssumeRole denied: the role's trust policy must allow sts:AssumeRole"),
            failed);
  assert.ok(failed.includes(`sts:ExternalId = ${ext}`), failed);
  const trust = JSON.parse(await page.getByLabel('Trust policy JSON', { exact: true }).inputValue());
  assert.equal(trust.Statement[0].Condition.StringEquals['sts:ExternalId'], ext);
  assert.match(trust.Statement[0].Principal.AWS, /^arn:aws:iam::\d{12}:user\/exporter$/);
  await screenshot('wrong-trust-policy');
  return ext;
}

async function fixTestAndSave(ext) {
  step('fix the role, test again, save with a service token');
  await askParent(`FIX_ROLE ${ext}`);
  await page.getByRole('button', { name: 'Test automation' }).click();
  const result = page.locator('#test-result');
  await result.getByText('Test passed: sluice can write to this path.').waitFor();
  assert.equal(await result.locator('li.failed').count(), 0);
  assert.ok(await result.locator('li.ok').count() >= 4);
  await page.getByLabel('Service token').fill(env.SLUICE_TOKEN);
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.locator('tr[data-name="nightly spans"]');
  await row.waitFor();
  assert.equal(await row.locator('td').nth(0).textContent(), 'S3 export');
  assert.equal(await row.locator('td').nth(1).textContent(), env.EXPORT_PATH);
  assert.equal(await row.locator('td').nth(2).textContent(), '1 h');
  assert.equal(await row.locator('td').nth(3).textContent(), 'active');
  await screenshot('saved');
}

async function focusStaysIn(dialog, presses) {
  for (let i = 0; i < presses; i += 1) {
    await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)),
              'focus left the dialog');
  }
}

async function runOnceAndReset() {
  step('status dialog: run once, see the run and its rows, reset');
  const row = page.locator('tr[data-name="nightly spans"]');
  await row.getByRole('button', { name: /open run history of nightly spans/ }).click();
  const dialog = page.getByRole('dialog', { name: 'nightly spans: export status' });
  await dialog.waitFor();
  await dialog.getByText('This automation has not run yet.').waitFor();
  await focusStaysIn(dialog, 12);
  await dialog.getByRole('button', { name: 'Run once' }).click();
  const run = dialog.locator('table.runs tbody tr').first();
  await run.waitFor();
  const cells = await run.locator('td').allTextContents();
  assert.equal(cells[1], 'manual');
  assert.equal(cells[2], env.SPANS);
  assert.match(cells[3], /^\d+(\.\d)? (B|KB)$/);
  assert.equal(cells[5], 'success');
  await dialog.locator('.last-run').getByText('success').waitFor();
  await screenshot('run-history');
  step('reset asks first: Escape keeps the history');
  await dialog.getByRole('button', { name: 'Reset automation' }).click();
  const confirm = page.getByRole('dialog', { name: 'Reset automation?' });
  await confirm.waitFor();
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.ok(await dialog.isVisible(), 'Escape closes only the confirmation');
  assert.equal(await dialog.locator('table.runs tbody tr').count(), 1);
  await dialog.getByRole('button', { name: 'Reset automation' }).click();
  await confirm.getByRole('button', { name: 'Reset' }).click();
  await dialog.getByText('No runs yet.').waitFor();
  step('run again after the reset: everything is exported again');
  await dialog.getByRole('button', { name: 'Run once' }).click();
  await dialog.locator('table.runs tbody tr').first().waitFor();
  assert.equal(await dialog.locator('table.runs tbody tr td').nth(2).textContent(), env.SPANS);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // Focus returns to the status icon that opened the dialog.
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')),
               /open run history of nightly spans/);
}

async function retentionWithPreview() {
  step('retention policy: warning, save, preview');
  await page.getByRole('button', { name: '+ Automation' }).click();
  await page.getByLabel('Data retention').check();
  await page.getByLabel('Name', { exact: true }).fill('logs 30 days');
  await page.getByLabel('Object type').selectOption({ label: 'Logs' });
  await page.getByLabel('Retention period (days)').fill('30');
  await page.getByText('Deletion is final after the grace period').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  const preview = page.locator('#retention-preview .preview-count');
  await preview.waitFor();
  const list = await api('GET', `/v1/project_automation?project_id=${env.SLUICE_PROJECT_ID}` +
                                '&project_automation_name=logs%2030%20days');
  const expected = await api('GET', `/automation/retention/${list.objects[0].id}/preview`);
  const text = await preview.textContent();
  assert.ok(text.startsWith(`${expected.rows} ${expected.rows === 1 ? 'row' : 'rows'} would ` +
                            'be deleted now'), text);
  // An export's cursor inside a transaction holds that whole transaction back (the spans
  // were inserted in batches of 5), so at least one batch waits for the next export run.
  assert.ok(expected.rows > 0, JSON.stringify(expected));
  assert.equal(expected.rows + expected.held_back, Number(env.SPANS), JSON.stringify(expected));
  const held = expected.held_back;
  if (held > 0) {
    assert.ok(text.includes(`${held} more ${held === 1 ? 'row waits' : 'rows wait'}`), text);
  }
  await page.locator('#retention-preview')
    .getByText('Deleted data can be restored from the status dialog for 24 hours.').waitFor();
  await screenshot('retention-preview');
  await page.getByRole('button', { name: 'Done' }).click();
  const row = page.locator('tr[data-name="logs 30 days"]');
  await row.waitFor();
  assert.equal(await row.locator('td').nth(0).textContent(), 'Data retention');
  assert.equal(await row.locator('td').nth(2).textContent(), '30 days');
  assert.equal(await row.locator('td').nth(3).textContent(), 'active');
  return { id: list.objects[0].id, rows: expected.rows };
}

async function retentionRunAndRestore({ rows }) {
  step('retention: run once, then restore the run within its grace period, which pauses it');
  const row = page.locator('tr[data-name="logs 30 days"]');
  await row.getByRole('button', { name: /run history/ }).click();
  const dialog = page.getByRole('dialog', { name: 'logs 30 days: retention status' });
  await dialog.getByText(`${rows} rows would be deleted now`).waitFor();
  assert.ok(!(await dialog.getByRole('button', { name: 'Resume' }).isVisible()));
  await dialog.getByRole('button', { name: 'Run once' }).click();
  const run = dialog.locator('table.runs tbody tr').first();
  await run.waitFor();
  assert.equal(await run.locator('td').nth(2).textContent(), String(rows));
  await dialog.getByText('0 rows would be deleted now').waitFor();
  const fetched = async () => (await api('GET',
    `/v1/project_logs/${env.SLUICE_PROJECT_ID}/fetch?limit=1000`)).events.length;
  assert.equal(await fetched(), Number(env.SPANS) - rows, 'deleted rows are gone from reads');
  await run.getByRole('button', { name: /^Restore/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Restore deleted data?' });
  await confirm.getByText('Restoring pauses this policy, so that its next run does not delete ' +
                          'the rows again').waitFor();
  await confirm.getByRole('button', { name: 'Restore' }).click();
  await dialog.getByText(`${rows} rows would be deleted now`).waitFor();
  assert.equal(await fetched(), Number(env.SPANS), 'restored rows are back');
  assert.equal(await run.getByRole('button', { name: /^Restore/ }).count(), 0);
  await dialog.getByText('Paused: no run scheduled.').waitFor();
  await page.locator('#toast', {
    hasText: `Restored ${rows} ${rows === 1 ? 'row' : 'rows'}; the policy is paused` }).waitFor();
  // The table behind the dialog shows the policy paused.
  await row.locator('td', { hasText: /^paused$/ }).waitFor();
  await screenshot('retention-restored');
  step('retention: resume asks first, then the policy is active again');
  await dialog.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('dialog', { name: 'Resume policy?' })
    .getByRole('button', { name: 'Resume' }).click();
  await dialog.getByText(/^Next run /).waitFor();
  assert.ok(!(await dialog.getByRole('button', { name: 'Resume' }).isVisible()));
  await row.locator('td', { hasText: /^active$/ }).waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
}

// Archive first: a span export to a local directory, a policy that keeps it as its archive
// (chosen in the editor), a run past its grace brought back from the archive, and the export
// imported from its status dialog, each with its progress.
async function archiveAndBringBack() {
  step('archive first: choose the export in the editor, run, bring the run back after grace');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ui-archive-'));
  const exp = await api('POST', '/v1/project_automation', {
    project_id: env.SLUICE_PROJECT_ID, name: 'archive spans',
    config: { event_type: 'btql_export', export_definition: { type: 'log_spans' },
              export_path: `file://${dir}`, format: 'jsonl', interval_seconds: 3600,
              status: 'paused' } });
  await api('POST', '/automation/cron', { automation_id: exp.id, cron: { type: 'btql_export' },
                                          service_token: env.SLUICE_TOKEN });
  assert.equal((await api('POST', `/automation/cron/${exp.id}/run`)).status, 'success');
  await page.getByRole('button', { name: '+ Automation' }).click();
  await page.getByLabel('Data retention').check();
  await page.getByLabel('Name', { exact: true }).fill('archived logs');
  await page.getByLabel('Object type').selectOption({ label: 'Logs' });
  await page.getByLabel('Retention period (days)').fill('30');
  await page.getByLabel('Archive first').selectOption({ label: `Export “archive spans” (file://${dir})` });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#retention-preview .preview-count').waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  const list = await api('GET', `/v1/project_automation?project_id=${env.SLUICE_PROJECT_ID}` +
                                '&project_automation_name=archived%20logs');
  const policy = list.objects[0];
  assert.equal(policy.config.archive_first, exp.id);
  // No grace, so the run is final at once (the editor keeps the default of 24 hours).
  await api('PATCH', `/v1/project_automation/${policy.id}`, { config: { grace_seconds: 0 } });
  const row = page.locator('tr[data-name="archived logs"]');
  await row.getByRole('button', { name: /run history/ }).click();
  const dialog = page.getByRole('dialog', { name: 'archived logs: retention status' });
  await dialog.getByRole('button', { name: 'Run once' }).click();
  const run = dialog.locator('table.runs tbody tr').first();
  // The exact cell: a time stamp such as 12:25:58 would also hold the count's digits.
  await run.getByRole('cell', { name: env.SPANS, exact: true }).waitFor();
  const fetched = async () => (await api('GET',
    `/v1/project_logs/${env.SLUICE_PROJECT_ID}/fetch?limit=1000`)).events.length;
  assert.equal(await fetched(), 0, 'the run deleted every expired row');
  await run.getByRole('button', { name: /^Bring back from archive/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Bring back from archive?' });
  await confirm.getByText('Import the 1 archive file that hold').waitFor();
  await confirm.getByText('It pauses this policy').waitFor();
  await confirm.getByRole('button', { name: 'Bring back' }).click();
  await page.locator('#toast', {
    hasText: `Brought back ${env.SPANS} rows from the archive; the policy is paused` }).waitFor();
  await dialog.getByText('Paused: no run scheduled.').waitFor();
  await dialog.getByText(`Import success: 1 of 1 file, ${env.SPANS} rows brought back.`).waitFor();
  assert.equal(await fetched(), Number(env.SPANS), 'the archive brought every row back');
  await screenshot('archive-brought-back');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  step('export: Import reads its files back into the project');
  const expRow = page.locator('tr[data-name="archive spans"]');
  await expRow.getByRole('button', { name: /run history/ }).click();
  const expDialog = page.getByRole('dialog', { name: 'archive spans: export status' });
  await expDialog.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('dialog', { name: 'Import this export?' })
    .getByRole('button', { name: 'Import' }).click();
  await page.locator('#toast', { hasText: `Imported ${env.SPANS} rows from 1 file` }).waitFor();
  assert.equal(await fetched(), Number(env.SPANS), 'importing again changes nothing');
  await page.keyboard.press('Escape');
  await expDialog.waitFor({ state: 'detached' });
  fs.rmSync(dir, { recursive: true, force: true });
}

// The editor's Save says how long deleted data can be restored, in the unit that fits, and that
// deletion is final at once with no grace. The form has no grace field: the API sets it.
async function retentionGraceText({ id }) {
  step('retention: the grace period in words after Save (0, seconds, minutes)');
  const cases = [[0, 'Deletion is final at once: deleted data cannot be restored.'],
                 [5, 'Deleted data can be restored from the status dialog for 5 seconds.'],
                 [5400, 'Deleted data can be restored from the status dialog for 90 minutes.']];
  for (const [grace, text] of cases) {
    const a = await api('PATCH', `/v1/project_automation/${id}`,
                        { config: { grace_seconds: grace } });
    assert.equal(a.config.grace_seconds, grace, JSON.stringify(a));
    await page.getByRole('button', { name: 'Edit logs 30 days' }).click();
    await page.getByRole('heading', { name: 'Edit automation “logs 30 days”' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#retention-preview').getByText(text).waitFor();
    const shown = await page.locator('#retention-preview').textContent();
    assert.ok(!shown.includes('24 hours'), shown);
    assert.ok(!shown.includes('first run'), `a saved policy has run already: ${shown}`);
    if (grace === 0) {
      await page.getByText('Deletion is final at once: this policy has no grace period').waitFor();
      await screenshot('retention-no-grace');
    }
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Automations' }).waitFor();
  }
}

async function editExport() {
  step('edit the export: saved values, fixed export path, registered');
  await page.getByRole('button', { name: 'Edit nightly spans' }).click();
  await page.getByRole('heading', { name: 'Edit automation “nightly spans”' }).waitFor();
  assert.equal(await page.getByLabel('Export path').inputValue(), env.EXPORT_PATH);
  assert.ok(await page.getByLabel('Export path').getAttribute('readonly') !== null);
  assert.equal(await page.getByLabel('Role ARN').inputValue(), env.ROLE_ARN);
  assert.equal(await page.getByLabel('Data to export').inputValue(), 'log_spans');
  await page.getByText('Registered. Enter a token only to replace').waitFor();
  assert.equal(await page.getByLabel('Service token').inputValue(), '');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('heading', { name: 'Automations' }).waitFor();
}

async function narrowScreen() {
  step('390 px wide: no sideways scrolling of the page, dialog fits');
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(await overflow() <= 390, `page is ${await overflow()} px wide`);
  for (const icon of await page.locator('button.status-icon').all()) {
    const b = await icon.boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= 390, `status icon off screen: ${JSON.stringify(b)}`);
  }
  await screenshot('narrow-list');
  await page.locator('tr[data-name="logs 30 days"] button.status-icon').click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('.preview-count').waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
  await screenshot('narrow-status');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: '+ Automation' }).click();
  assert.ok(await overflow() <= 390, `form is ${await overflow()} px wide`);
  await screenshot('narrow-form');
}

async function tokenNeverShown() {
  const shown = await page.evaluate((t) => document.body.innerText.includes(t) ||
    [...document.querySelectorAll('input, textarea')].some((el) => el.value.includes(t)),
  env.SLUICE_TOKEN);
  assert.ok(!shown, 'the service token is displayed');
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                        args: CHROMIUM_ARGS });
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  // Chromium logs every HTTP error answer as a console error. The only ones this flow expects
  // are answers the UI shows: a query that does not parse (POST /btql) and the status of an
  // export not registered yet. They are checked below; every other console error fails.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      consoleErrors.push(m.text());
    }
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const p = new URL(r.url()).pathname;
    const expected = r.status() === 400 &&
      ((r.request().method() === 'POST' && p === '/btql') || /^\/automation\/cron\/[^/]+\/status$/.test(p));
    if (!expected) consoleErrors.push(`${r.status()} ${r.request().method()} ${p}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await signInWithKeyboard();
  await openFormWithKeyboard();
  await checkQuery();
  await destinationFromThePath();
  const ext = await createWithWrongRole();
  await fixTestAndSave(ext);
  await tokenNeverShown();
  await runOnceAndReset();
  const retention = await retentionWithPreview();
  await retentionRunAndRestore(retention);
  await retentionGraceText(retention);
  await archiveAndBringBack();
  await editExport();
  await narrowScreen();
  assert.deepEqual(consoleErrors, [], 'console errors');
  console.log('ui: all steps passed');
} catch (e) {
  failed = true;
  console.error(e);
  if (page) await screenshot('failure').catch(() => {});
  if (consoleErrors.length) console.error('console errors:', consoleErrors);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
