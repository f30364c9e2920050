// The Data retention part of the editor. The preview endpoint counts for a saved policy only,
// and a saved policy runs at the scheduler's next tick, so the editor says so: Save, then the
// count of rows the policy deletes now is shown before leaving the page (and in its status).
import { api, call } from './api.js';
import { field, h, OBJECT_TYPES, toast } from './util.js';

export function previewText(p, objectType) {
  const n = Number(p.rows || 0);
  let text = objectType === 'experiment'
    ? `${p.experiments} experiments (${n} rows) would be deleted now`
    : `${n} ${n === 1 ? 'row' : 'rows'} would be deleted now`;
  text += ` (created before ${new Date(p.cutoff).toLocaleString()}).`;
  if (Number(p.held_back || 0) > 0) {
    text += ` ${p.held_back} more wait until an active export has written them.`;
  }
  return text;
}

function graceText(seconds) {
  const hours = Math.round(Number(seconds || 86400) / 3600);
  return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
}

async function saveRetention(project, ui) {
  const name = ui.name.value.trim();
  const days = Number(ui.days.value);
  if (!Number.isInteger(days) || days < 1) throw new Error('Retention period: at least 1 day.');
  const config = { event_type: 'retention', object_type: ui.objectType.value,
                   retention_days: days };
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
  ui.preview.replaceChildren(
    h('p', { class: 'preview-count' }, previewText(p, a.config.object_type)),
    h('p', { class: 'help' }, `Its first run starts within a minute. Deleted data can be ` +
      `restored from the status dialog for ${graceText(a.config.grace_seconds)}.`));
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
  const warning = h('p', { class: 'warning' },
    'Deletion is final after the grace period (24 hours by default): until then a run can be ' +
    'restored; after it, the rows are purged and cannot be recovered.');
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
    ui.title.textContent = `Edit automation “${a.name}”`;
    for (const r of document.getElementsByName('automation-type')) r.disabled = true;
  };
  return {
    fields: [field('Object type', ui.objectType),
             field('Retention period (days)', ui.days, 'Data older than this is deleted.'),
             warning],
    result: ui.preview,
    actions: [saveButton, doneButton],
  };
}
