/**
 * Regenerates front-vectors/*.bin and front-vectors/*.txt from front-vectors.ts with the warm
 * process's encoders. Run from the repository root after changing front-vectors.ts or the
 * frames, and commit the result:
 *   pnpm exec tsup native/test/make-front-vectors.ts --format esm --out-dir /tmp/ck-make-front-vectors --silent \
 *     && node /tmp/ck-make-front-vectors/make-front-vectors.js native/test/front-vectors
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badVectorPrefix, badVectors, goodVectors, joined, printed } from './front-vectors.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: make-front-vectors <output dir>');
for (const [name, frames] of Object.entries(goodVectors)) {
  writeFileSync(join(dir, `${name}.bin`), joined(frames).bytes);
  writeFileSync(join(dir, `${name}.txt`), printed(frames));
}
for (const [name, v] of Object.entries(badVectors)) {
  writeFileSync(join(dir, `${name}.bin`), v.bytes());
  writeFileSync(join(dir, `${name}.txt`), [...(badVectorPrefix[name] ?? []), `error: ${v.error}`].map((line) => `${line}\n`).join(''));
}
