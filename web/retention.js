// The Data retention part of the editor. The preview endpoint counts for a saved policy only,
// and a saved policy runs at the scheduler's next tick, so the editor says so: Save, then the
// count of rows the policy deletes now is shown before leaving the page (and in its status).
import { api, call } from './api.js';
import { field, h, OBJECT_TYPES, plural, toast } from './util.js';

// The preview's counts in words. `rows` and `held_back` count rows; `exempt` counts rows, or
// experiments for an experiment policy.
export function previewText(p, objectType) {
  const isExperiment = objectType === 'experiment';
  let text = isExperiment
    ? `${plural(p.experiments, 'experiment')} (${plural(p.rows, 'row')}) would be deleted now`
    : `${plural(p.rows, 'row')} would be deleted now`;
  text += ` (created before ${new Date(p.cutoff).toLocaleString()}).`;
  const exempt = Number(p.exempt || 0);
  if (exempt > 0) {
    text += ` ${plural(exempt, isExperiment ? 'experiment' : 'row')} ` +
            `${exempt === 1 ? 'is' : 'are'} kept by the exempt filter.`;
  }
  const held = Number(p.held_back || 0);
  if (held > 0) {
    text += ` ${plural(held, 'more row')} ${held === 1 ? 'waits' : 'wait'} until an ` +
            `export has written ${held === 1 ? 'it' : 'them'}.`;
  }
  return text;
}

const DEFAULT_GRACE_SECONDS = 86400;
const GRACE_UNITS = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];

// A grace period in words: whole units when they fit ("5 seconds", "90 minutes", "24 hours",
// "3 days"; days from 2 days on, so the default reads "24 hours"), else about so many of the
// largest unit that is at least 2 ("about 27.8 hours").
export function formatGrace(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s < 0) return `${seconds} seconds`;
  const fits = ([size]) => s % size === 0 && (size < 86400 || s >= 2 * 86400);
  const [size, unit] = GRACE_UNITS.find(fits) || GRACE_UNITS[3];
  if (s / size <= 120 || size >= 3600) return plural(s / size, unit);
  const [big, bigUnit] = GRACE_UNITS.find(([u]) => s >= 2 * u);
  return `about ${Number((s / big).toFixed(1))} ${bigUnit}s`;
}

// What Save says about restoring: `grace_seconds` absent means the default; 0 means deletion
// is final at once.
export function graceText(graceSeconds) {
  const s = graceSeconds === undefined || graceSeconds === null
    ? DEFAULT_GRACE_SECONDS : Number(graceSeconds);
  if (s === 0) return 'Deletion is final at once: deleted data cannot be restored.';
  return `Deleted data can be restored from the status dialog for ${formatGrace(s)}.`;
}

// The editor's warning: a new policy gets the default grace; a saved one says its own.
function warningText(graceSeconds) {
  if (graceSeconds === 0) {
    return 'Deletion is final at once: this policy has no grace period, so its runs cannot be ' +
           'restored.';
  }
  const grace = graceSeconds === undefined || graceSeconds === null
    ? '24 hours by default' : formatGrace(graceSeconds);
  return `Deletion is final after the grace period (${grace}): until then a run can be ` +
         'restored; after it, the rows are purged and cannot be recovered.';
}

async function saveRetention(project, ui) {
  const name = ui.name.value.trim();
  const days = Number(ui.days.value);
  if (!Number.isInteger(days) || days < 1) throw new Error('Retention period: at least 1 day.');
  const config = { event_type: 'retention', object_type: ui.objectType.value,
                   retention_days: days };
  // An empty archive_first removes it from a saved policy.
  if (ui.objectType.value === 'project_logs') config.archive_first = ui.archive.value;
  const isNew = !ui.id;
  let a;
  if (ui.id) {
    a = await api.patch(ui.id, { name, config });
  } else {
    const same = await call('GET', `/v1/project_automation?project_id=${project.id}` +
                                   `&project_automation_name=${encodeURIComponent(name)}`);
    if ((same.objects || []).length > 0) throw new Error(`An automation named “${name}” exists.`);
    a = await api.create({ project_id: project.id, name, config });
  }
  ui.id = a.id;  // a second Save changes this policy
  ui.title.textContent = `Edit automation “${a.name}”`;
  for (const r of document.getElementsByName('automation-type')) r.disabled = true;
  const p = await api.retentionPreview(a.id);
  let when = '';
  if (a.config.status === 'paused') when = 'It is paused: no run is scheduled. ';
  else if (isNew) when = 'Its first run starts within a minute. ';
  ui.preview.replaceChildren(
    h('p', { class: 'preview-count' }, previewText(p, a.config.object_type)),
    h('p', { class: 'help' }, `${when}${graceText(a.config.grace_seconds)}`));
  ui.warning.textContent = warningText(a.config.grace_seconds);
  toast(`Saved “${name}”`);
  return a;
}

export function retentionSection(project, ui, done) {
  ui.objectType = h('select', {}, OBJECT_TYPES.map(([v, l]) => h('option', { value: v }, l)));
  ui.days = h('input', { type: 'number', min: 1, max: 36500, step: 1, value: 30,
                         inputmode: 'numeric' });
  ui.preview = h('div', { id: 'retention-preview', role: 'status', 'aria-live': 'polite' },
    h('p', { class: 'help' }, 'The preview counts what a saved policy would delete: after Save, ' +
      'the number of rows it deletes now appears here.'));
  ui.warning = h('p', { class: 'warning' }, warningText());
  // Archive first: the project's span exports, loaded when the editor opens.
  ui.archive = h('select', {}, h('option', { value: '' }, 'No: delete what is expired'));
  const archiveField = field('Archive first', ui.archive,
    'Delete only rows this export has written, and keep the list of its files that hold them, ' +
    'so a run can be brought back from the archive after its grace period.');
  const showArchive = () => { archiveField.hidden = ui.objectType.value !== 'project_logs'; };
  ui.objectType.addEventListener('change', showArchive);
  const archiveChoices = api.automations(project.id).then((list) => {
    for (const e of list.objects || []) {
      const def = e.config.export_definition || {};
      if (e.config.event_type !== 'btql_export' || def.type !== 'log_spans') continue;
      ui.archive.append(h('option', { value: e.id }, `Export “${e.name}” (${e.config.export_path})`));
    }
  }).catch(() => {});
  const saveButton = h('button', { type: 'button' }, 'Save');
  const doneButton = h('button', { type: 'button', hidden: true }, 'Done');
  saveButton.addEventListener('click', async () => {
    ui.error.textContent = '';
    try {
      await saveRetention(project, ui);
      doneButton.hidden = false;
      doneButton.focus();
    } catch (e) {
      ui.error.textContent = e.message;
    }
  });
  doneButton.addEventListener('click', () => done());
  ui.loadRetention = async (a) => {
    ui.id = a.id;
    ui.name.value = a.name;
    ui.objectType.value = a.config.object_type;
    ui.days.value = String(a.config.retention_days);
    await archiveChoices;
    ui.archive.value = a.config.archive_first || '';
    showArchive();
    ui.warning.textContent = warningText(a.config.grace_seconds);
    ui.title.textContent = `Edit automation “${a.name}”`;
    for (const r of document.getElementsByName('automation-type')) r.disabled = true;
  };
  return {
    fields: [field('Object type', ui.objectType),
             field('Retention period (days)', ui.days, 'Data older than this is deleted.'),
             archiveField, ui.warning],
    result: ui.preview,
    actions: [saveButton, doneButton],
  };
}
