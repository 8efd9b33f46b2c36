// Run before `npm test`: a checkout without playwright-core, the SDK's
// dependencies or Debian's chromium gets a clear message instead of a failed
// import or launch deep in a test.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const problems = [];
if (!existsSync(join(web, 'e2e', 'node_modules', 'playwright-core', 'package.json'))) {
  problems.push('playwright-core is missing: run `npm ci` in web/e2e');
}
if (!existsSync(join(web, 'sdk', 'node_modules', 'ws', 'package.json'))) {
  problems.push('the SDK\'s dependencies are missing: run `npm ci` in web/sdk');
}
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) problems.push(`no browser at ${chromium}: apt-get install chromium`);
if (problems.length > 0) {
  console.error(`web/e2e: ${problems.join('; ')} (scripts/bootstrap does all of it)`);
  process.exit(1);
}
