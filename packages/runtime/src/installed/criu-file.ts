// The entry of dist/ckrun-criu.cjs: the CRIU driver, run on the library of the ckrun that
// requires it (src/installed/criu.ts, criu-library.ts).
export { criu } from '@containerkit/criu';
export { adoptLibrary } from './criu-library.js';
