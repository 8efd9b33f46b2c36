// src/index.d.ts against TypeScript: an app's usage compiles, misuse does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
               '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', '--skipLibCheck', 'false'];

// One compile of both files (tsc takes seconds to start): its errors, by file.
async function compileAll() {
  let out = '';
  try {
    await run(process.execPath, [tsc, ...flags, join(root, 'test/types/usage.ts'),
                                 join(root, 'test/types/misuse.ts')]);
  } catch (err) {
    out = err.stdout || String(err);
  }
  const errors = out.split('\n').filter((l) => /error TS/.test(l));
  return {
    usage: errors.filter((l) => l.includes('usage.ts')),
    misuse: errors.filter((l) => l.includes('misuse.ts')),
    other: errors.filter((l) => !l.includes('usage.ts') && !l.includes('misuse.ts')),
  };
}

test('index.d.ts: an app\'s usage type-checks, misuse does not (one error per line)',
     async () => {
       const errors = await compileAll();
       assert.deepEqual(errors.usage, []);
       assert.deepEqual(errors.other, []);
       assert.equal(errors.misuse.length, 4, errors.misuse.join('\n'));
     });
