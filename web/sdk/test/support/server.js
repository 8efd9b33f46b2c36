// Starts a real parleyd for a test: port 0 on loopback (the "listening ws"
// line tells which port), a temporary data dir, the rate limits off (tests
// drive one user far faster than a human), as tests/integration/harness/
// server_process.cc does for the C++ suites.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function parleydPath() {
  const path = process.env.PARLEYD ?? resolve(here, '../../../../build/src/app/parleyd');
  if (!existsSync(path)) {
    throw new Error(`parleyd not found at ${path}: build it (make build) or set PARLEYD`);
  }
  return path;
}

export async function startServer(extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-sdk-test-'));
  const args = ['--data-dir', join(dataDir, 'data'), '--ws-listen', '127.0.0.1:0',
                '--tcp-listen', '127.0.0.1:0', '--threads', '2', '--password-cost', 'min',
                '--jwt-secret', 'sdk-test-secret-sdk-test-secret-0123456789',
                '--log-level', 'warn'];
  if (!extraArgs.some((a) => a.startsWith('--chat-'))) args.push('--chat-rate', '0');
  if (!extraArgs.some((a) => a.startsWith('--auth-rate'))) args.push('--auth-rate', '0');
  if (!extraArgs.some((a) => a.startsWith('--auth-user-rate'))) args.push('--auth-user-rate', '0');
  if (!extraArgs.some((a) => a.startsWith('--max-connections-per-ip'))) {
    args.push('--max-connections-per-ip', '0');
  }
  args.push(...extraArgs);
  const child = spawn(parleydPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`parleyd did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening ws [0-9.]+:([0-9]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`parleyd exited (${code}) during start-up: ${stderr}`));
    });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
