import { fileURLToPath } from 'node:url';

export const ckInitPath = fileURLToPath(new URL('./dist/ck-init', import.meta.url));
/** ckrun's front end (native/front/), which the runtime package installs as its dist/ckrun. */
export const frontEndPath = fileURLToPath(new URL('./dist/ckrun-front', import.meta.url));
