// Prints the SDK's browser bundle size: esbuild bundles src/index.js
// (minified, ESM, for browsers: `ws` and node: modules are loaded lazily by
// name and stay out), then gzip -9 of that.

import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'src/index.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 });
console.log(`minified: ${code.length} bytes, minified + gzip: ${gzipped.length} bytes`);
