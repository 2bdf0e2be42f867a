import { readFileSync } from 'node:fs';

/**
 * Whether this process runs in a user namespace other than the initial one, which maps every
 * id to itself ("0 0 4294967295"); any other has a smaller map.
 */
export function inUserNamespace(): boolean {
  try {
    const fields = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return !(fields.length === 3 && fields[0] === '0' && fields[1] === '0' && fields[2] === '4294967295');
  } catch {
    return false;
  }
}
