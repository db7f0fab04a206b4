// Replaces each built script and style sheet of 1 kB or more in dist/assets
// by name.gz (run by `npm run build` after vite build). The Go binary embeds
// dist/ and backend/webassets decompresses on read, so the desktop binary
// stays within 2x of the bare Wails template (scripts/bench-startup.sh).
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');
let before = 0;
let after = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const file = join(dir, name);
  const body = readFileSync(file);
  if (body.length < 1024) continue;
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(file + '.gz', gz);
  unlinkSync(file);
  before += body.length;
  after += gz.length;
}
console.log(`gzip-dist: ${(before / 1024).toFixed(0)} kB of scripts and styles stored as ${(after / 1024).toFixed(0)} kB`);
