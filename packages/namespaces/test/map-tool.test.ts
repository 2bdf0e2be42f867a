import { existsSync } from 'node:fs';
import { isContainerError } from '@containerkit/core';
import { describe, expect, it } from 'vitest';
import { runMapTool } from '../src/map-tool.js';

const installed = existsSync('/usr/bin/newuidmap');

describe('newuidmap/newgidmap', () => {
  it.skipIf(!installed)(`reports what the tool said, naming the ranges file${installed ? '' : ' [skipped: newuidmap is not installed]'}`, async () => {
    // No process has pid 2^22 + 1 (above pid_max's ceiling): the tool fails before any map.
    const error = await runMapTool('newuidmap', 4194305, [{ containerID: 0, hostID: 1000, size: 1 }]).catch((e: unknown) => e);
    expect(isContainerError(error, 'SystemError')).toBe(true);
    expect((error as Error).message).toMatch(/^newuidmap 4194305 0 1000 1: newuidmap: .+ \(are the ranges yours in \/etc\/subuid\?\)$/);
  });

  it('says which package to install when the tool is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await runMapTool('newgidmap', 1, [{ containerID: 0, hostID: 1000, size: 1 }]).catch((e: unknown) => e);
      expect((error as Error).message).toBe('newgidmap 1 0 1000 1: newgidmap is not installed (Debian: the uidmap package); it is needed to map ids other than your own');
    } finally {
      process.env.PATH = path;
    }
  });
});
