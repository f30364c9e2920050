// Starts and stops a real `sluice serve` for the SDK tests: a loopback port of its own, its own
// data directory (removed at exit unless SLUICE_KEEP_TEST_DATA is set), the admin key from
// <data-dir>/credentials. restart() keeps the port and the data.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class SluiceServer {
  constructor(binary, extraArgs = []) {
    this.binary = binary;
    this.extraArgs = extraArgs;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sdk-'));
    this.proc = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  // The first start listens on a port the kernel picks (read back from the server's first
  // line), so parallel tests never race for one; a restart takes the same port again.
  async start() {
    const log = fs.openSync(path.join(this.dataDir, 'serve.log'), 'a');
    this.proc = spawn(this.binary, ['serve', '--data-dir', this.dataDir, '--listen',
      `127.0.0.1:${this.port ?? 0}`, '--scheduler-tick-seconds', '1', ...this.extraArgs],
      { stdio: ['ignore', 'pipe', log] });
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    const listening = new Promise((resolve) => {
      let out = '';
      this.proc.stdout.on('data', (d) => {
        fs.appendFileSync(path.join(this.dataDir, 'serve.log'), d);
        out += d;
        const m = out.match(/sluice listening on http:\/\/[^:]+:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      this.exited.then(() => resolve(null));
    });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 30000).unref());
    const port = await Promise.race([listening, timeout]);
    if (port === null) throw new Error(`sluice serve did not start:\n${this.log()}`);
    this.port = port;
    const r = await fetch(`${this.url}/healthz`);
    if (!r.ok) throw new Error(`sluice serve is not healthy: ${r.status}`);
    return this;
  }

  log() {
    return fs.readFileSync(path.join(this.dataDir, 'serve.log'), 'utf8');
  }

  credentials() {
    const out = {};
    for (const line of fs.readFileSync(path.join(this.dataDir, 'credentials'), 'utf8').split('\n')) {
      const [k, v] = line.split('=');
      if (k) out[k] = v;
    }
    return out;
  }

  async stop(signal = 'SIGTERM') {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill(signal);
      await this.exited;
    }
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // The admin command on this server's data directory; returns its stdout.
  async admin(...args) {
    return await new Promise((resolve, reject) => {
      const p = spawn(this.binary, ['admin', '--data-dir', this.dataDir, ...args]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
    });
  }

  // A JSON request with the admin key (or `key`); returns {status, body}.
  async call(method, urlPath, body, key) {
    const r = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: { Authorization: `Bearer ${key ?? this.credentials().api_key}`,
        'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body: parsed };
  }

  // Every row of an object through /v1/<object>/<id>/fetch, oldest write first.
  async fetchAll(object, id) {
    const rows = [];
    let cursor;
    for (;;) {
      const r = await this.call('POST', `/v1/${object}/${id}/fetch`, { limit: 1000, cursor });
      if (r.status !== 200) throw new Error(`fetch: ${r.status} ${JSON.stringify(r.body)}`);
      rows.push(...r.body.events);
      if (!r.body.cursor) return rows;
      cursor = r.body.cursor;
    }
  }

  cleanup() {
    if (!process.env.SLUICE_KEEP_TEST_DATA) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// The sluice binary: the first argument after the script, or SLUICE_BIN.
export function sluiceBinary() {
  const bin = process.env.SLUICE_BIN;
  if (!bin) throw new Error('set SLUICE_BIN to the sluice binary');
  return bin;
}
