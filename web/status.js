// The status dialog an automation's status icon opens: run history (time, trigger, rows, data
// size, duration, status), the last run with its error, and Run once, Refresh, Reset (asks
// first) and Import (the export's files back into the project's logs) for exports; Run once,
// Refresh, the preview, Restore (within the grace period; it pauses an active policy), Bring back
// from archive (after it, for a policy that archives first) and Resume (when paused) for
// retention policies. An import shows its progress (files, rows) until it ends.
import { api, ApiError } from './api.js';
import { confirmDialog, openDialog } from './dialog.js';
import { previewText } from './retention.js';
import { formatBytes, formatDuration, formatTime, h, plural, toast } from './util.js';

const stat = (run, name) => (run.stats && run.stats[name] !== undefined ? run.stats[name] : null);

function rowsOf(run) {
  const v = stat(run, 'rows') ?? stat(run, 'soft_deleted');
  return v === null ? '–' : String(v);
}

function historyTable(runs, restoreButton) {
  if (runs.length === 0) return h('p', { class: 'help' }, 'No runs yet.');
  const head = ['Time', 'Trigger', 'Rows', 'Data size', 'Duration', 'Status'];
  if (restoreButton) head.push('Restore');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'runs' },
    h('caption', { class: 'visually-hidden' }, 'Run history, newest first'),
    h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, runs.map((r) => h('tr', { 'data-run': r.id },
      h('td', {}, formatTime(r.started)), h('td', {}, r.trigger), h('td', { class: 'num' }, rowsOf(r)),
      h('td', { class: 'num' }, formatBytes(stat(r, 'bytes'))),
      h('td', {}, formatDuration(r.started, r.finished)),
      h('td', {}, h('span', { class: `badge ${r.status}` }, r.status)),
      restoreButton ? h('td', {}, restoreButton(r)) : null)))));
}

function lastRunView(run) {
  if (!run) return h('p', { class: 'help' }, 'This automation has not run yet.');
  const parts = [h('p', {}, h('span', { class: `badge ${run.status}` }, run.status),
                   ` ${run.trigger} run started ${formatTime(run.started)}, ${rowsOf(run)} rows, `,
                   `${formatBytes(stat(run, 'bytes'))}.`)];
  const held = Number(stat(run, 'held_back') || 0);
  if (held > 0) {
    const reason = stat(run, 'held_back_reason');
    parts.push(h('p', { class: 'help' }, `${plural(held, 'row')} held back` +
                                         `${reason ? `: ${reason}` : '.'}`));
  }
  if (run.error) parts.push(h('p', { class: run.status === 'warning' ? 'warning' : 'error' }, run.error));
  return h('div', { class: 'last-run' }, parts);
}

// Starts an import and shows its progress in `view.summary`'s place until it ends; resolves
// with the finished job, throws with the job's error.
async function followImport(body, a, view) {
  let job = await api.importLogs(a.project_id, body);
  const line = h('p', { class: 'import-progress' });
  view.progress.replaceChildren(line);
  for (;;) {
    line.textContent = `Import ${job.status}: ${job.files_done} of ${plural(job.files_total, 'file')}, ` +
                       `${plural(job.rows, 'row')} brought back` +
                       (job.rows_present ? `, ${plural(job.rows_present, 'row')} left as they are` : '') +
                       (job.current_file ? ` (reading ${job.current_file})` : '') + '.';
    if (job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 300));
    job = await api.importJob(job.id);
  }
  if (job.status !== 'success') throw new Error(`Import ${job.status}: ${job.error}`);
  return job;
}

async function importExport(a, view) {
  const ok = await confirmDialog('Import this export?',
    `Read every file “${a.name}” wrote (${a.config.export_path}) back into this project's logs, ` +
    'checked against its manifests. Rows keep their ids: importing twice changes nothing, and ' +
    'each imported row replaces the stored row of the same id.', 'Import');
  if (!ok) return;
  const job = await followImport({ automation_id: a.id }, a, view);
  toast(`Imported ${plural(job.rows, 'row')} from ${plural(job.files_done, 'file')}`);
}

async function bringBack(a, run, view, active) {
  const files = run.stats.archive.files.length;
  const pauses = active ? ' It pauses this policy, so that its next run does not delete the ' +
                          'rows again.' : '';
  const ok = await confirmDialog('Bring back from archive?',
    `Import the ${plural(files, 'archive file')} that hold what the run of ` +
    `${formatTime(run.started)} deleted. Rows that are there now stay as they are.${pauses}`,
    'Bring back');
  if (!ok) return;
  const job = await followImport({ retention_run_id: run.id }, a, view);
  if (job.policy_paused) a.config.status = 'paused';
  toast(`Brought back ${plural(job.rows, 'row')} from the archive` +
        `${job.policy_paused ? '; the policy is paused' : ''}`);
}

async function loadExport(a, view) {
  const st = await api.cronStatus(a.id);
  const next = st.next_run ? `Next run ${formatTime(st.next_run)}.` : 'Paused: no run scheduled.';
  const backlog = `${st.backlog_rows}${st.backlog_capped ? '+' : ''} rows not exported yet.`;
  view.summary.replaceChildren(h('p', {}, `${next} ${backlog}`));
  view.last.replaceChildren(lastRunView(st.last_run));
  view.history.replaceChildren(historyTable(st.runs || []));
}

// `act` wraps a button's action: it shows the action's error, then refreshes the dialog and the
// automations table.
async function loadRetention(a, view, act) {
  const [st, preview] = await Promise.all([api.retentionStatus(a.id), api.retentionPreview(a.id)]);
  const active = st.status !== 'paused';
  // A run's deletions can be restored until purge_after (microseconds since the epoch).
  const restoreButton = (r) => {
    const purgeAfter = stat(r, 'purge_after');
    const left = Number(stat(r, 'soft_deleted') || 0) - Number(stat(r, 'restored') || 0);
    const inGrace = purgeAfter !== null && purgeAfter > Date.now() * 1000 && left > 0 &&
                    !stat(r, 'purged');
    const archive = stat(r, 'archive');
    // Past its grace (purged, or about to be: the server makes it final first).
    const pastGrace = purgeAfter !== null && purgeAfter <= Date.now() * 1000 && left > 0;
    if (pastGrace && archive && archive.files.length > 0) {
      return h('button', { type: 'button', class: 'secondary small',
                           'aria-label': `Bring back from archive what the run of ${formatTime(r.started)} deleted`,
                           onclick: act(() => bringBack(a, r, view, active)) }, 'Bring back from archive');
    }
    if (!inGrace) return '–';
    return h('button', { type: 'button', class: 'secondary small',
                         'aria-label': `Restore what the run of ${formatTime(r.started)} deleted`,
                         onclick: act(() => restore(a, r, active)) }, 'Restore');
  };
  view.summary.replaceChildren(h('p', { class: 'preview-count' },
                                 previewText(preview, a.config.object_type)),
                               h('p', {}, st.next_run ? `Next run ${formatTime(st.next_run)}.`
                                                      : 'Paused: no run scheduled.'));
  view.last.replaceChildren(lastRunView(st.last_run));
  view.history.replaceChildren(historyTable(st.runs || [], restoreButton));
  view.resume.hidden = active;
}

async function resume(a) {
  const ok = await confirmDialog('Resume policy?',
    `Its runs start again: the next one deletes what is older than ${a.config.retention_days} ` +
    'days then, restored rows too.', 'Resume');
  if (!ok) return;
  await api.patch(a.id, { config: { status: 'active' } });
  a.config.status = 'active';
  toast(`Resumed “${a.name}”`);
}

// Restoring rows pauses an active policy (the server does it): as it stands, its next run
// would delete them again.
async function restore(a, run, active) {
  const pauses = active
    ? ' Restoring pauses this policy, so that its next run does not delete the rows again: ' +
      'change it (for example its retention period) before resuming it.'
    : '';
  const ok = await confirmDialog('Restore deleted data?',
    `Bring back what the run of ${formatTime(run.started)} deleted.${pauses}`, 'Restore');
  if (!ok) return;
  const res = await api.retentionRestore(a.id, run.id);
  if (res.paused) a.config.status = 'paused';
  toast(`Restored ${plural(res.restored, 'row')}${res.paused ? '; the policy is paused' : ''}`);
}

// Opens the dialog for automation `a`; `onChange` runs after an action changed its state.
export function openStatus(a, onChange) {
  const isExport = a.config.event_type === 'btql_export';
  const view = {
    summary: h('div', { class: 'summary', role: 'status', 'aria-live': 'polite' }),
    last: h('div', {}), history: h('div', {}), error: h('p', { class: 'error', role: 'alert' }),
    progress: h('div', { role: 'status', 'aria-live': 'polite' }),
  };
  const refresh = async () => {
    view.error.textContent = '';
    try {
      await (isExport ? loadExport(a, view) : loadRetention(a, view, act));
    } catch (e) {
      const unregistered = e instanceof ApiError && e.status === 400 && isExport;
      view.error.textContent = unregistered
        ? `${e.message}. Open the automation and Save it with a service token.` : e.message;
    }
  };
  const act = (fn) => async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    let failure = null;
    try { await fn(); } catch (e) { failure = e; }
    button.disabled = false;
    await refresh();  // clears the error line: the action's error goes in after it
    if (failure) view.error.textContent = failure.message;
    if (onChange) onChange();
  };
  const runOnce = h('button', { type: 'button', onclick: act(async () => {
    const run = await (isExport ? api.cronRun(a.id) : api.retentionRun(a.id));
    toast(`Run ${run.status}: ${rowsOf(run)} rows`);
  }) }, 'Run once');
  const refreshButton = h('button', { type: 'button', class: 'secondary', onclick: act(async () => {}) },
                          'Refresh');
  const actions = [runOnce, refreshButton];
  if (!isExport) {
    view.resume = h('button', { type: 'button', class: 'secondary', hidden: true,
                                onclick: act(() => resume(a)) }, 'Resume');
    actions.push(view.resume);
  }
  if (isExport) {
    actions.push(h('button', { type: 'button', class: 'secondary',
                               onclick: act(() => importExport(a, view)) }, 'Import'));
    actions.push(h('button', { type: 'button', class: 'danger', onclick: act(async () => {
      const ok = await confirmDialog('Reset automation?',
        'This clears the cursor and run history; the next run exports everything again into ' +
        'new files. Files already written stay.', 'Reset');
      if (ok) { await api.cronReset(a.id); toast('Automation reset'); }
    }) }, 'Reset automation'));
  }
  openDialog({
    title: `${a.name}: ${isExport ? 'export' : 'retention'} status`,
    body: h('div', { class: 'status-body' }, view.summary, view.progress, view.error,
            h('div', { class: 'actions' }, actions),
            h('h3', {}, 'Last run'), view.last, h('h3', {}, 'Run history'), view.history),
    returnFocus: () => document.querySelector(`button.status-icon[data-automation="${a.id}"]`),
  });
  refresh();
}
