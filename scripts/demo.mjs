// The README's first command: a container from the built-in busybox bundle that shows its
// isolation — its own hostname, that it is pid 1, and its own mounts.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { buildBusyboxBundle } from '../test/fixtures/busybox-bundle.mjs';

const bundle = '/tmp/containerkit-demo';
const id = `demo-${process.pid}`;
await buildBusyboxBundle(bundle, {
  cgroupsPath: `/containerkit/${id}`,
  edit(config) {
    config.process.terminal = false;
    config.hostname = 'containerkit-demo';
    config.process.args = ['sh', '-c', 'echo "hostname: $(hostname)"; echo "my pid: $$"; echo "processes:"; ps; echo "mounts:"; cat /proc/self/mounts'];
  },
});
const ckrun = new URL('../packages/runtime/bin/ckrun', import.meta.url).pathname;
const result = spawnSync(ckrun, ['--root', '/run/containerkit-demo', 'run', '--bundle', bundle, id], { stdio: 'inherit' });
rmSync(bundle, { recursive: true, force: true });
// ckrun removed the container's cgroups; the shared /containerkit parent goes too when it is empty.
for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
  try {
    rmdirSync(`/sys/fs/cgroup/${hierarchy}/containerkit`);
  } catch {
    // absent, or holding other containers
  }
}
process.exit(result.status ?? 1);
