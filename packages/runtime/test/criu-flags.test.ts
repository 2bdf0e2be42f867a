import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { criuOptions, pageServer, statusFd } from '../src/criu-flags.js';

describe('checkpoint and restore flags', () => {
  it('defaults the image path to ./checkpoint, as runc, and resolves the given paths', () => {
    expect(criuOptions('checkpoint', {}).imagePath).toBe(resolve('checkpoint'));
    expect(criuOptions('checkpoint', { 'image-path': 'imgs', 'work-path': 'work' })).toMatchObject({ imagePath: resolve('imgs'), workPath: resolve('work') });
  });

  it('maps the boolean flags and the cgroup mode', () => {
    expect(criuOptions('restore', { 'tcp-established': true, 'shell-job': true, 'file-locks': true, 'manage-cgroups-mode': 'strict' })).toMatchObject({
      tcpEstablished: true,
      shellJob: true,
      fileLocks: true,
      extUnixSockets: false,
      manageCgroupsMode: 'strict',
    });
  });

  it('takes --empty-ns by runc\'s short names too', () => {
    expect(criuOptions('restore', { 'empty-ns': ['net', 'mount'] }).emptyNamespaces).toEqual(['network', 'mount']);
    expect(() => criuOptions('restore', { 'empty-ns': ['nope'] })).toThrow(/--empty-ns: unknown namespace "nope"/);
  });

  it('refuses an unknown --manage-cgroups-mode naming the flag', () => {
    expect(() => criuOptions('checkpoint', { 'manage-cgroups-mode': 'loose' })).toThrow(/--manage-cgroups-mode: invalid value "loose"/);
  });

  it('reads --page-server ADDRESS:PORT and --status-fd N', () => {
    expect(pageServer('checkpoint', '127.0.0.1:27')).toEqual({ address: '127.0.0.1', port: 27 });
    expect(pageServer('checkpoint', '[::1]:9000')).toEqual({ address: '[::1]', port: 9000 });
    expect(() => pageServer('checkpoint', 'host')).toThrow(/--page-server: expected ADDRESS:PORT/);
    expect(() => pageServer('checkpoint', 'host:0')).toThrow(/--page-server/);
    expect(statusFd('checkpoint', '5')).toBe(5);
    expect(() => statusFd('checkpoint', 'x')).toThrow(/--status-fd: expected a file descriptor number/);
  });
});
