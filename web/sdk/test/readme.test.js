// The README's quick-start block, run as written (the import pointed at
// src/, the URL at a fresh parleyd) in a child process: it must print what
// the README says it prints.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startServer } from './support/server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let server;
before(async () => { server = await startServer(); });
after(async () => server?.stop());

test('the README quick start prints the message', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Quick start\s+```js\n([\s\S]*?)```/.exec(readme)[1];
  const lines = block.trim().split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length <= 10, `the example has ${lines.length} lines`);
  const source = block
    .replace("'@parley/sdk'", `'${pathToFileURL(join(root, 'src/index.js')).href}'`)
    .replace("'http://127.0.0.1:8080'", `'${server.url}'`);
  assert.notEqual(source, block);
  const dir = mkdtempSync(join(tmpdir(), 'parley-readme-'));
  const file = join(dir, 'example.mjs');
  writeFileSync(file, source);
  // The example is an app that stays connected: stop it once it printed.
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  try {
    await new Promise((resolveOut, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output; stderr: ${err}`)), 10000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolveOut();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`example exited ${code}: ${err}`));
      });
    });
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(out.trim(), '[alice] → Hello, Bob!');
});
