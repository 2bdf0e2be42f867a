import { fileURLToPath } from 'node:url';

export const ckInitPath = fileURLToPath(new URL('./dist/ck-init', import.meta.url));
