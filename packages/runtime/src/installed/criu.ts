import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ContainerError, errnoName, libcFunction, loadKoffi, syscallError } from '@containerkit/core';
import type * as CriuFile from './criu-file.js';
import { distDir } from './location.js';

// @containerkit/criu as ckrun's bundles and snapshots see it (tsup.config.ts): dist/ckrun-criu.cjs,
// required from the dist/ of this call (a snapshot's own require knows only Node's built-ins,
// and its __filename is the build's), then handed this bundle's library. src/criu-on-demand.ts
// imports this module on the first checkpoint or restore, so these lines run then and only then,
// never in a snapshot's warm-up.
const criuFile = createRequire(join(distDir(), 'ckrun.cjs'))('./ckrun-criu.cjs') as typeof CriuFile;
criuFile.adoptLibrary({ ContainerError, errnoName, libcFunction, loadKoffi, syscallError });

export const criu: typeof CriuFile.criu = criuFile.criu;
