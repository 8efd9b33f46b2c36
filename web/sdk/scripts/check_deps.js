// Run before `npm test`: a checkout whose web/sdk dependencies were never
// installed gets a clear message instead of a failed import deep in a test.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const missing = ['ws', 'fake-indexeddb', 'typescript', 'esbuild']
  .filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
if (missing.length > 0) {
  console.error(`web/sdk: missing ${missing.join(', ')}: run \`npm ci\` in web/sdk ` +
                '(scripts/bootstrap does)');
  process.exit(1);
}
