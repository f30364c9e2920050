// Small DOM and formatting helpers shared by the views. Text goes in through textContent only,
// never as HTML, so values from the server cannot inject markup.

// h('button', {type: 'button', onclick: f}, 'Run once') builds an element.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let nextId = 0;
export function uid(prefix) { nextId += 1; return `${prefix}-${nextId}`; }

// A labelled control: <div class="field"><label for>…</label>control<p help></div>.
export function field(labelText, control, help) {
  if (!control.id) control.id = uid('f');
  const parts = [h('label', { for: control.id }, labelText), control];
  if (help) {
    const helpId = uid('help');
    control.setAttribute('aria-describedby', helpId);
    parts.push(h('p', { id: helpId, class: 'help' }, help));
  }
  return h('div', { class: 'field' }, parts);
}

export function formatBytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function formatDuration(startIso, endIso) {
  if (!startIso || !endIso) return '–';
  const ms = new Date(endIso) - new Date(startIso);
  if (!(ms >= 0)) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export const INTERVALS = [
  [300, '5 min'], [1800, '30 min'], [3600, '1 h'], [14400, '4 h'], [43200, '12 h'],
  [86400, '24 h'],
];
// "1 row", "2 rows": a count with its noun.
export function plural(n, noun) {
  const v = Number(n || 0);
  return `${v} ${v === 1 ? noun : `${noun}s`}`;
}

export function formatInterval(seconds) {
  const known = INTERVALS.find(([s]) => s === seconds);
  if (known) return known[1];
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

export const OBJECT_TYPES = [
  ['project_logs', 'Logs'], ['experiment', 'Experiments'], ['dataset', 'Datasets'],
];
export const DEFINITIONS = [
  ['log_traces', 'Logs (traces)'], ['log_spans', 'Logs (spans)'], ['btql_query', 'Custom query'],
];
export function labelOf(pairs, value) {
  const p = pairs.find(([v]) => v === value);
  return p ? p[1] : value;
}

export function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('shown'), 4000);
}

// A read-only value (ExternalId, a policy) with a copy button that names what it copies.
export function copyBlock(labelText, value, { multiline = false, id } = {}) {
  const control = multiline
    ? h('textarea', { readonly: true, rows: Math.min(16, value.split('\n').length), spellcheck: 'false', class: 'code', id })
    : h('input', { type: 'text', readonly: true, class: 'code', id });
  control.value = value;
  const button = h('button', {
    type: 'button', class: 'secondary small', 'aria-label': `Copy ${labelText}`,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(control.value);
        toast(`${labelText} copied`);
      } catch {
        control.select();  // clipboard blocked (e.g. plain http): leave it selected to copy
        toast(`Select all and copy ${labelText} by hand`);
      }
    },
  }, 'Copy');
  const wrap = field(labelText, control);
  wrap.append(button);
  wrap.classList.add('copyable');
  return { element: wrap, control };
}
