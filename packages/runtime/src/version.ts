declare const __CKRUN_VERSION__: string | undefined;

/** Filled in by tsup's define; unbundled runs (unit tests) see "dev". */
export const VERSION = typeof __CKRUN_VERSION__ === 'string' ? __CKRUN_VERSION__ : 'dev';

/** The OCI runtime-spec version whose config ckrun reads. */
export const SPEC_VERSION = '1.3.0';

/** runc's --version layout: a version line, then "key: value" lines. */
export function versionText(name = 'ckrun'): string {
  return `${name} version ${VERSION}\nspec: ${SPEC_VERSION}\n`;
}
