/**
 * Regenerates vectors/*.bin and vectors/*.txt from vectors.ts with the TS encoder. Run from
 * the repository root after changing vectors.ts or the wire format, and commit the result:
 *   pnpm exec tsup native/test/make-vectors.ts --format esm --out-dir /tmp/ck-make-vectors --silent \
 *     && node /tmp/ck-make-vectors/make-vectors.js native/test/vectors
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePlan } from '../../packages/core/src/plan/encoder.js';
import { badVectors, canonicalLine, goodVectors } from './vectors.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: make-vectors <output dir>');
for (const [name, steps] of Object.entries(goodVectors)) {
  writeFileSync(join(dir, `${name}.bin`), encodePlan(steps));
  writeFileSync(join(dir, `${name}.txt`), steps.map((s) => `${canonicalLine(s)}\n`).join(''));
}
for (const [name, v] of Object.entries(badVectors)) {
  writeFileSync(join(dir, `${name}.bin`), v.bytes());
  writeFileSync(join(dir, `${name}.txt`), `error: ${v.error}\n`);
}
