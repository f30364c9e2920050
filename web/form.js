// The `+ Automation` editor: type Export (this file) or Data retention (retention.js). The
// export path chooses the destination (S3, Azure Blob, Cloud Storage, a local directory) and so
// the credentials asked for and what the editor says to grant to whom.
// An S3 export's ExternalId contains its id, so it is real only once the automation exists:
// "Create paused" saves it without running to set up the role; "Save" activates and registers.
import { api, call } from './api.js';
import {
  azureRoleAssignment, azureSubjectFromSteps, destinationOf, federatedCredential,
  gcsBucketGrant, gcsTokenCreatorGrant, googlePrincipalFromSteps, principalFromSteps, s3Policy,
  trustPolicy,
} from './policies.js';
import { retentionSection } from './retention.js';
import { copyBlock, DEFINITIONS, field, h, INTERVALS, toast } from './util.js';

function select(options, value) {
  const el = h('select', {}, options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = String(value);
  return el;
}

// Parse errors end in "at <line>:<col>"; shows the line with a caret under the column.
function queryErrorView(query, message) {
  const m = /at (\d+):(\d+)/.exec(message);
  const parts = [h('p', { class: 'error' }, message)];
  if (m) {
    const line = query.split('\n')[Number(m[1]) - 1] || '';
    const caret = ' '.repeat(Math.max(0, Number(m[2]) - 1)) + '^';
    parts.push(h('pre', { class: 'code caret', 'aria-label': `line ${m[1]}, column ${m[2]}` },
                 `${line}\n${caret}`));
  }
  return parts;
}

// The query as checked: at most one row is read.
function limitedQuery(q) {
  if (/\blimit\b/i.test(q)) return q;
  return /^\s*(select|with)\b[^:]/i.test(q) && !/^\s*select\s*:/i.test(q)
    ? `${q}\nLIMIT 1` : `${q}\n| limit: 1`;
}

function definitionFields(project, ui) {
  ui.definition = select(DEFINITIONS, 'log_traces');
  ui.query = h('textarea', { rows: 5, spellcheck: 'false', class: 'code' });
  ui.query.value = `select: * | from: project_logs('${project.id}') spans`;
  ui.queryResult = h('div', { id: 'query-result', role: 'status', 'aria-live': 'polite' });
  const check = h('button', { type: 'button', class: 'secondary' }, 'Check query');
  check.addEventListener('click', async () => {
    ui.queryResult.replaceChildren(h('p', { class: 'help' }, 'Checking…'));
    try {
      await api.btql(limitedQuery(ui.query.value));
      ui.query.removeAttribute('aria-invalid');
      ui.queryResult.replaceChildren(h('p', { class: 'ok' }, 'The query parses and runs.'));
    } catch (e) {
      ui.query.setAttribute('aria-invalid', 'true');
      ui.queryResult.replaceChildren(...queryErrorView(ui.query.value, e.message));
      const m = /at (\d+):(\d+)/.exec(e.message);
      if (m) placeCaret(ui.query, Number(m[1]), Number(m[2]));
    }
  });
  const queryBox = h('div', { class: 'query-box' },
                     field('Custom query (BTQL or SQL)', ui.query), check, ui.queryResult);
  ui.query.setAttribute('aria-describedby', 'query-result');
  const sync = () => { queryBox.hidden = ui.definition.value !== 'btql_query'; };
  ui.definition.addEventListener('change', sync);
  sync();
  return [field('Data to export', ui.definition), queryBox];
}

function placeCaret(textarea, line, col) {
  const lines = textarea.value.split('\n');
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) pos += lines[i].length + 1;
  textarea.setSelectionRange(pos + col - 1, pos + col - 1);
}

function exportConfig(ui, status) {
  const def = { type: ui.definition.value };
  if (def.type === 'btql_query') def.btql_query = ui.query.value;
  return {
    event_type: 'btql_export', status, export_definition: def,
    export_path: ui.path.value.trim(), format: ui.format.value,
    interval_seconds: Number(ui.interval.value),
    ...credentialsOf(ui),
  };
}

// The credentials the destination takes, from the fields shown for it.
function credentialsOf(ui) {
  switch (destinationOf(ui.path.value)) {
    case 's3': return { credentials: { type: 'aws_iam', role_arn: ui.role.value.trim() } };
    case 'azure':
      if (ui.azureAccess.value !== 'azure_identity') {
        return { credentials: { type: ui.azureAccess.value } };
      }
      return { credentials: { type: 'azure_identity', tenant_id: ui.tenant.value.trim(),
                              client_id: ui.client.value.trim() } };
    case 'gcs':
      return { credentials: { type: 'gcp_service_account',
                              service_account_email: ui.serviceAccount.value.trim() } };
    default: return {};
  }
}

// Shows the credential fields of the destination the path names, and nothing of the others.
function syncDestination(ui) {
  const dest = destinationOf(ui.path.value);
  ui.s3Fields.hidden = dest !== 's3';
  ui.azureFields.hidden = dest !== 'azure';
  ui.appFields.hidden = ui.azureAccess.value !== 'azure_identity';
  ui.gcsFields.hidden = dest !== 'gcs';
  ui.accessSet.hidden = dest === 'file';
  ui.accessLegend.textContent = dest === 's3' ? 'Role access' : 'Access to grant';
  renderAccess(ui);
}

// What to grant, redrawn whenever one of its inputs changes: for S3 the ExternalId, trust
// policy and S3 policy; for Azure the app registration's federated credential and role
// assignment (or the server's SAS or key); for Cloud Storage the two IAM bindings.
function renderAccess(ui) {
  const dest = destinationOf(ui.path.value);
  if (dest === 'azure') return renderAzureAccess(ui);
  if (dest === 'gcs') return renderGcsAccess(ui);
  return renderS3Access(ui);
}

function renderAzureAccess(ui) {
  const access = ui.azureAccess.value;
  if (access !== 'azure_identity') {
    const sas = access === 'azure_sas';
    ui.access.replaceChildren(h('p', { class: 'help', id: 'azure-env-note' },
      sas ? 'sluice writes with the shared access signature in its own environment ' +
            '(AZURE_STORAGE_SAS_TOKEN, or SharedAccessSignature in ' +
            'AZURE_STORAGE_CONNECTION_STRING). It needs the permissions r, a, c, w and d on ' +
            'the container, and it expires: prefer an app registration outside tests.'
          : 'sluice writes with the storage account key in its own environment ' +
            '(AZURE_STORAGE_KEY, or AccountKey in AZURE_STORAGE_CONNECTION_STRING), which can ' +
            'do anything in the account: prefer an app registration outside tests.'));
    return;
  }
  const client = ui.client.value.trim();
  ui.access.replaceChildren(
    h('p', { class: 'help' }, 'sluice gets a token of this app registration with its own ' +
      'Microsoft Entra identity (managed identity, workload identity or client secret), so no ' +
      'key is handed out. On the app registration, add this federated credential; then assign ' +
      'it the role Storage Blob Data Contributor on the container.'),
    copyBlock('Federated credential JSON', federatedCredential(ui.azureSubject),
              { multiline: true, id: 'federated-credential' }).element,
    copyBlock('Role assignment (Azure CLI)', azureRoleAssignment(ui.path.value, client),
              { multiline: true, id: 'azure-role-assignment' }).element);
}

function renderGcsAccess(ui) {
  const sa = ui.serviceAccount.value.trim();
  ui.access.replaceChildren(
    h('p', { class: 'help' }, 'sluice impersonates this service account with its own Google ' +
      'identity (Application Default Credentials), so no key is handed out. Grant sluice’s ' +
      'principal the Service Account Token Creator role on the service account, and the ' +
      'service account the Storage Object User role on the bucket.'),
    copyBlock('Token Creator binding (gcloud)', gcsTokenCreatorGrant(sa, ui.googlePrincipal),
              { multiline: true, id: 'gcs-token-creator' }).element,
    copyBlock('Bucket role binding (gcloud)', gcsBucketGrant(ui.path.value, sa),
              { multiline: true, id: 'gcs-bucket-role' }).element);
}

function renderS3Access(ui) {
  const saved = Boolean(ui.id);
  const ext = ui.externalId || '';
  const blocks = [];
  if (!saved) {
    blocks.push(h('p', { class: 'help', id: 'externalid-note' },
      'The ExternalId ends with this automation’s id, so it exists once the automation is ' +
      'created. “Create paused” saves it without running; then put its ExternalId in the ' +
      'role’s trust policy, test, and Save to start it.' +
      (ext ? ` A test before that uses the placeholder id “new”.` : '')));
  }
  if (ext) {
    blocks.push(copyBlock('ExternalId', ext, { id: 'external-id' }).element);
    blocks.push(copyBlock('Trust policy JSON', trustPolicy(ui.principal, ext),
                          { multiline: true, id: 'trust-policy' }).element);
  }
  blocks.push(copyBlock('S3 policy JSON', s3Policy(ui.path.value),
                        { multiline: true, id: 's3-policy' }).element);
  ui.access.replaceChildren(...blocks);
}

function renderSteps(ui, res) {
  const items = (res.steps || []).map((s) => h('li', { class: s.ok ? 'ok' : 'failed' },
    h('span', { class: 'step-state' }, s.ok ? 'ok' : 'failed'), ' ',
    h('strong', {}, s.name), ': ', s.message));
  ui.testResult.replaceChildren(
    h('p', { class: res.ok ? 'ok' : 'error' },
      res.ok ? 'Test passed: sluice can write to this path.' : 'Test failed:'),
    h('ol', { class: 'steps' }, items));
}

async function runTest(ui) {
  ui.testResult.replaceChildren(h('p', { class: 'help' }, 'Testing…'));
  const body = { project_id: ui.project.id, config: exportConfig(ui, ui.status) };
  if (ui.id) body.automation_id = ui.id;
  try {
    const res = await api.test(body);
    if (!ui.id) ui.externalId = res.external_id;
    ui.principal = principalFromSteps(res.steps) || ui.principal;
    ui.azureSubject = azureSubjectFromSteps(res.steps) || ui.azureSubject;
    ui.googlePrincipal = googlePrincipalFromSteps(res.steps) || ui.googlePrincipal;
    renderAccess(ui);
    renderSteps(ui, res);
  } catch (e) {
    ui.testResult.replaceChildren(h('p', { class: 'error' }, e.message));
  }
}

// Creates the automation (refusing a name in use: the API would answer the existing one).
async function createExport(ui, status) {
  const name = ui.name.value.trim();
  const same = await call('GET', `/v1/project_automation?project_id=${ui.project.id}` +
                              `&project_automation_name=${encodeURIComponent(name)}`);
  if ((same.objects || []).length > 0) throw new Error(`An automation named “${name}” exists.`);
  const a = await api.create({ project_id: ui.project.id, name,
                               config: exportConfig(ui, status) });
  markSaved(ui, a);
  return a;
}

// From here on the editor edits the saved automation `a`.
function markSaved(ui, a) {
  ui.id = a.id;
  ui.status = a.config.status || 'active';
  ui.externalId = a.config.credentials ? a.config.credentials.external_id : '';
  ui.path.readOnly = true;
  ui.pathHelp.textContent = 'The export path cannot change after creation.';
  ui.title.textContent = `Edit automation “${a.name}”`;
  ui.createPaused.hidden = true;
  for (const r of document.getElementsByName('automation-type')) r.disabled = true;
  renderAccess(ui);
}

// Fills the export fields from a saved automation and finds out whether it is registered.
async function loadExport(ui, a) {
  const c = a.config;
  ui.name.value = a.name;
  ui.definition.value = c.export_definition.type;
  ui.definition.dispatchEvent(new Event('change'));
  if (c.export_definition.btql_query) ui.query.value = c.export_definition.btql_query;
  ui.path.value = c.export_path;
  const cred = c.credentials || {};
  ui.role.value = cred.role_arn || '';
  if (String(cred.type).startsWith('azure_')) ui.azureAccess.value = cred.type;
  ui.tenant.value = cred.tenant_id || '';
  ui.client.value = cred.client_id || '';
  ui.serviceAccount.value = cred.service_account_email || '';
  syncDestination(ui);
  ui.format.value = c.format;
  ui.interval.value = String(c.interval_seconds);
  markSaved(ui, a);
  try {
    await api.cronStatus(a.id);
    ui.registered = true;
    ui.tokenHelp.textContent = 'Registered. Enter a token only to replace the one it reads with.';
  } catch {
    ui.registered = false;
  }
}

async function save(ui, done) {
  const token = ui.token.value.trim();
  if (!ui.registered && !token) {
    throw new Error('Service token: required to register the export (sl-st-… or sk-…).');
  }
  if (ui.id) {
    await api.patch(ui.id, { name: ui.name.value.trim(), config: exportConfig(ui, 'active') });
  } else {
    await createExport(ui, 'active');
  }
  if (token) {
    await api.register(ui.id, token);
    ui.registered = true;
    ui.token.value = '';  // never kept or shown again
  }
  toast(`Saved “${ui.name.value.trim()}”`);
  await done();
}

function exportSection(project, ui, done) {
  ui.project = project;
  ui.status = 'paused';
  ui.path = h('input', { type: 'text', placeholder: 's3://bucket/prefix', spellcheck: 'false' });
  const pathField = field('Export path', ui.path,
                          'Files go under this prefix; fixed once created. s3://bucket/prefix, ' +
                          'az://account/container/prefix, gs://bucket/prefix or file:///dir.');
  ui.pathHelp = pathField.querySelector('.help');
  ui.role = h('input', { type: 'text', spellcheck: 'false',
                         placeholder: 'arn:aws:iam::123456789012:role/sluice-export' });
  ui.s3Fields = h('div', {}, field('Role ARN', ui.role));
  ui.azureAccess = select([['azure_identity', 'App registration (Microsoft Entra ID)'],
                           ['azure_sas', 'Shared access signature from sluice’s environment'],
                           ['azure_shared_key', 'Account key from sluice’s environment']],
                          'azure_identity');
  ui.tenant = h('input', { type: 'text', spellcheck: 'false',
                           placeholder: '00000000-0000-0000-0000-000000000000' });
  ui.client = h('input', { type: 'text', spellcheck: 'false',
                           placeholder: '00000000-0000-0000-0000-000000000000' });
  ui.appFields = h('div', {}, field('Tenant ID', ui.tenant, 'Directory (tenant) ID of the app ' +
                                    'registration sluice writes as.'),
                   field('Client ID', ui.client, 'Application (client) ID of that app ' +
                         'registration.'));
  ui.azureFields = h('div', {}, field('Azure access', ui.azureAccess), ui.appFields);
  ui.serviceAccount = h('input', { type: 'text', spellcheck: 'false',
                                   placeholder: 'sluice-export@project.iam.gserviceaccount.com' });
  ui.gcsFields = h('div', {}, field('Service account', ui.serviceAccount,
                                    'The Google service account sluice impersonates to write.'));
  ui.format = select([['jsonl', 'JSON Lines'], ['parquet', 'Parquet']], 'jsonl');
  ui.interval = select(INTERVALS, 3600);
  ui.token = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false',
                          placeholder: 'sl-st-…' });
  ui.access = h('div', { class: 'access' });
  const tokenField = field('Service token', ui.token,
                           'The identity the export reads with (read permission on this ' +
                           'project); sent once to register, never stored or shown.');
  ui.tokenHelp = tokenField.querySelector('.help');
  ui.testResult = h('div', { id: 'test-result', role: 'status', 'aria-live': 'polite' });
  ui.path.addEventListener('input', () => syncDestination(ui));
  for (const el of [ui.azureAccess, ui.tenant, ui.client, ui.serviceAccount]) {
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => syncDestination(ui));
  }
  ui.createPaused = h('button', { type: 'button', class: 'secondary' }, 'Create paused');
  const test = h('button', { type: 'button', class: 'secondary' }, 'Test automation');
  const saveButton = h('button', { type: 'button' }, 'Save');
  const guard = (fn) => async () => {
    ui.error.textContent = '';
    try { await fn(); } catch (e) { ui.error.textContent = e.message; }
  };
  ui.createPaused.addEventListener('click', guard(() => createExport(ui, 'paused')));
  test.addEventListener('click', () => runTest(ui));
  saveButton.addEventListener('click', guard(() => save(ui, done)));
  ui.accessLegend = h('legend', {}, 'Role access');
  ui.accessSet = h('fieldset', {}, ui.accessLegend, ui.access);
  syncDestination(ui);
  return {
    fields: [...definitionFields(project, ui), pathField, ui.s3Fields, ui.azureFields,
             ui.gcsFields, ui.accessSet,
             field('Format', ui.format), field('Interval', ui.interval), tokenField],
    result: ui.testResult,
    actions: [test, ui.createPaused, saveButton],
  };
}

// Fills `container` with the editor for a new automation of `project`, or for the saved
// `automation`; `done` runs after a save or cancel.
export function openEditor(container, project, { done, automation }) {
  const ui = {};
  const isRetention = automation && automation.config.event_type === 'retention';
  ui.title = h('h1', { id: 'editor-title' }, 'New automation');
  ui.name = h('input', { type: 'text', autocomplete: 'off', required: true });
  ui.error = h('p', { class: 'error', role: 'alert' });
  const typeExport = h('input', { type: 'radio', name: 'automation-type', value: 'export',
                                  id: 'type-export', checked: !isRetention });
  const typeRetention = h('input', { type: 'radio', name: 'automation-type', value: 'retention',
                                     id: 'type-retention', checked: isRetention });
  const typeField = h('fieldset', { class: 'type-choice' }, h('legend', {}, 'Type'),
    h('div', { class: 'radio' }, typeExport, h('label', { for: 'type-export' }, 'Export')),
    h('div', { class: 'radio' }, typeRetention,
      h('label', { for: 'type-retention' }, 'Data retention')));
  const body = h('div', { class: 'type-body' });
  const actions = h('div', { class: 'actions' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  cancel.addEventListener('click', () => done());
  const render = () => {
    const part = typeExport.checked ? exportSection(project, ui, done)
                                    : retentionSection(project, ui, done);
    body.replaceChildren(...part.fields, part.result);
    actions.replaceChildren(cancel, ...part.actions);
  };
  typeExport.addEventListener('change', render);
  typeRetention.addEventListener('change', render);
  const form = h('form', { novalidate: true, onsubmit: (e) => e.preventDefault() },
                 typeField, field('Name', ui.name), body, ui.error, actions);
  container.replaceChildren(ui.title, form);
  render();
  if (!automation) {
    typeExport.focus();
    return;
  }
  const load = isRetention ? ui.loadRetention(automation) : loadExport(ui, automation);
  load.then(() => ui.name.focus(), (e) => { ui.error.textContent = e.message; });
}
