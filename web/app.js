// Entry point: sign in with an API key, choose a project, list its automations
// (Configuration > Automations), and open the editor or a status dialog.
import { api, ApiError, forgetKey, savedKey, saveKey } from './api.js';
import { openEditor } from './form.js';
import { destinationOf, DESTINATION_NAMES } from './policies.js';
import { openStatus } from './status.js';
import { formatInterval, formatTime, h, labelOf, OBJECT_TYPES } from './util.js';

const PROJECT_STORAGE = 'sluice.projectId';
const state = { projects: [], projectId: '' };
const $ = (id) => document.getElementById(id);

function show(section) {
  for (const id of ['sign-in', 'automations', 'editor']) $(id).hidden = id !== section;
  $('session').hidden = section === 'sign-in';
}

async function signIn(key) {
  const res = await api.projects(key);
  saveKey(key);
  state.projects = res.objects || [];
  const select = $('project-select');
  select.replaceChildren(...state.projects.map((p) => h('option', { value: p.id }, p.name)));
  const remembered = sessionStorage.getItem(PROJECT_STORAGE);
  const found = state.projects.find((p) => p.id === remembered);
  state.projectId = found ? found.id : (state.projects[0] ? state.projects[0].id : '');
  select.value = state.projectId;
  show('automations');
  await refreshList();
}

function signOut() {
  forgetKey();
  sessionStorage.removeItem(PROJECT_STORAGE);
  $('api-key').value = '';
  show('sign-in');
  $('api-key').focus();
}

// The last run of an automation, or a reason there is none ("not registered").
async function lastRunOf(a) {
  try {
    if (a.config.event_type === 'btql_export') {
      const st = await api.cronStatus(a.id);
      return { run: st.last_run };
    }
    const st = await api.retentionStatus(a.id);
    return { run: st.last_run };
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return { run: null, note: 'not registered' };
    return { run: null, note: e.message };
  }
}

const ICONS = {
  success: ['✓', 'succeeded'], warning: ['!', 'finished with a warning'],
  error: ['✕', 'failed'], running: ['↻', 'is running'], none: ['○', 'has not run yet'],
};

function statusButton(a, last) {
  const kind = last.run ? last.run.status : 'none';
  const [glyph, words] = ICONS[kind] || ICONS.none;
  const when = last.run ? ` (${formatTime(last.run.started)})` : '';
  const label = `Last run ${words}${when}: open run history of ${a.name}`;
  return h('button', { type: 'button', class: `status-icon ${kind}`, 'aria-label': label,
                       title: label, 'data-automation': a.id, 'data-focus-key': `status:${a.id}`,
                       onclick: () => openStatus(a, refreshList) }, glyph);
}

function row(a, last) {
  const c = a.config;
  const isExport = c.event_type === 'btql_export';
  let status = c.status || 'active';
  if (isExport && last.note === 'not registered') status += ', not registered';
  const cell = (label, content, cls) => h('td', { 'data-label': label, class: cls }, content);
  return h('tr', { 'data-name': a.name },
    h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link',
                                            'aria-label': `Edit ${a.name}`,
                                            'data-focus-key': `edit:${a.id}`,
                                            onclick: () => edit(a) }, a.name)),
    cell('Type', isExport ? DESTINATION_NAMES[destinationOf(c.export_path)] || 'Export'
                          : 'Data retention'),
    isExport ? cell('Destination', c.export_path, 'code-cell')
             : cell('Object type', labelOf(OBJECT_TYPES, c.object_type)),
    isExport ? cell('Interval', formatInterval(c.interval_seconds))
             : cell('Retention', `${c.retention_days} days`),
    cell('Status', status),
    cell('Last run', statusButton(a, last)));
}

export async function refreshList() {
  $('list-error').textContent = '';
  const tbody = $('automation-table').querySelector('tbody');
  if (!state.projectId) {
    tbody.replaceChildren();
    $('empty-list').hidden = false;
    $('empty-list').textContent = 'This key can see no project: create one with `sluice admin`.';
    return;
  }
  try {
    const res = await api.automations(state.projectId);
    const items = res.objects || [];
    const lasts = await Promise.all(items.map(lastRunOf));
    // Re-rendering must not drop keyboard focus from a control of the table.
    const focusKey = tbody.contains(document.activeElement)
      ? document.activeElement.getAttribute('data-focus-key') : null;
    tbody.replaceChildren(...items.map((a, i) => row(a, lasts[i])));
    if (focusKey) {
      const again = tbody.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
    $('empty-list').hidden = items.length > 0;
  } catch (e) {
    $('list-error').textContent = e.message;
  }
}

function projectById(id) { return state.projects.find((p) => p.id === id); }

// Opens the editor for `automation`, or for a new one when null.
function edit(automation) {
  show('editor');
  openEditor($('editor'), projectById(state.projectId), {
    automation,
    done: async () => {
      await refreshList();  // before showing, so the list never flashes its old rows
      show('automations');
      const back = automation
        ? document.querySelector(`tr[data-name="${CSS.escape(automation.name)}"] th button`)
        : null;
      (back || $('new-automation')).focus();
    },
  });
}

function start() {
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    $('sign-in-error').textContent = '';
    if (!key) {
      $('sign-in-error').textContent = 'Enter an API key (sk-…).';
      $('api-key').focus();
      return;
    }
    $('sign-in-button').disabled = true;
    try {
      await signIn(key);
      $('new-automation').focus();
    } catch (err) {
      forgetKey();
      $('sign-in-error').textContent = err.message;
      $('api-key').focus();
    } finally {
      $('sign-in-button').disabled = false;
    }
  });
  $('sign-out').addEventListener('click', signOut);
  $('project-select').addEventListener('change', (e) => {
    state.projectId = e.target.value;
    sessionStorage.setItem(PROJECT_STORAGE, state.projectId);
    refreshList();
  });
  $('new-automation').addEventListener('click', () => edit(null));
  const key = savedKey();
  if (key) {
    signIn(key).catch(() => signOut());
  } else {
    show('sign-in');
    $('api-key').focus();
  }
}

start();
