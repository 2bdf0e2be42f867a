import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRootfs, runContainer } from './container.js';
import { succeeded } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;

/** NEW_SESSION_KEYRING: the container's processes do not share the runtime's session keyring (runc's "_ses.<id>"). */
describe.skipIf(notRoot)('ck-init NEW_SESSION_KEYRING (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => void (t = makeRootfs()));
  afterEach(() => t.cleanup());
  // /proc/keys lists the keys the reader may view: a session keyring it possesses is among them.
  const keyrings = 'grep -o " perm [0-9a-f]* .* keyring *_ses[^:]*" /proc/keys || true';

  it('joins a keyring of the name it is given, with the permission bits added (3f1b0000 as runc makes it)', async () => {
    const name = `_ses.ck-${randomBytes(4).toString('hex')}`;
    const run = await runContainer({ rootfs: t.rootfs, post: [{ op: 'NEW_SESSION_KEYRING', args: [name, 0x080000n] }], script: keyrings });
    expect(succeeded(run)).toMatch(new RegExp(` perm 3f1b0000 .* keyring +${name.replace('.', '\\.')}\\n`));
  });

});
