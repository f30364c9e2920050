// The REST API as the UI uses it: every call carries the signed-in key as a Bearer token and
// turns `{"error": {"code", "message"}}` answers into an ApiError with the server's message.

const KEY_STORAGE = 'sluice.apiKey';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// The key lives in sessionStorage only: it goes away with the tab and is never in a URL.
export function savedKey() { return sessionStorage.getItem(KEY_STORAGE) || ''; }
export function saveKey(key) { sessionStorage.setItem(KEY_STORAGE, key); }
export function forgetKey() { sessionStorage.removeItem(KEY_STORAGE); }

export async function call(method, path, body, key = savedKey()) {
  const headers = { Authorization: `Bearer ${key}` };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (method !== 'GET') {
    init.body = '';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'unavailable', `cannot reach the server (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(res.status, err.code || 'http_' + res.status,
                       err.message || `${method} ${path} answered ${res.status}`);
  }
  return data;
}

export const api = {
  projects: (key) => call('GET', '/v1/project?limit=1000', undefined, key),
  automations: (projectId) =>
    call('GET', `/v1/project_automation?project_id=${encodeURIComponent(projectId)}&limit=1000`),
  create: (body) => call('POST', '/v1/project_automation', body),
  patch: (id, body) => call('PATCH', `/v1/project_automation/${id}`, body),
  register: (id, token) => call('POST', '/automation/cron',
                                { automation_id: id, cron: { type: 'btql_export' },
                                  service_token: token }),
  cronStatus: (id) => call('GET', `/automation/cron/${id}/status?limit=20`),
  cronRun: (id) => call('POST', `/automation/cron/${id}/run`),
  cronReset: (id) => call('POST', `/automation/cron/${id}/reset`),
  test: (body) => call('POST', '/automation/test', body),
  retentionStatus: (id) => call('GET', `/automation/retention/${id}/status?limit=20`),
  retentionPreview: (id) => call('GET', `/automation/retention/${id}/preview`),
  retentionRun: (id) => call('POST', `/automation/retention/${id}/run`),
  retentionRestore: (id, runId) => call('POST', `/automation/retention/${id}/restore`,
                                        { run_id: runId }),
  importLogs: (projectId, body) => call('POST', `/v1/project_logs/${projectId}/import`, body),
  importJob: (id) => call('GET', `/v1/import/${id}`),
  btql: (query) => call('POST', '/btql', { query, fmt: 'json' }),
};
