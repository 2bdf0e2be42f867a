import { closeSync, readSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SeqpacketSocket } from '../src/socket.js';

describe('the seqpacket socketpair criu swrk talks over', () => {
  it('keeps message boundaries both ways, and reads on a worker thread', async () => {
    const { ours, peer } = SeqpacketSocket.pair();
    try {
      // A receive waits for CRIU without blocking the event loop: a timer still fires meanwhile.
      const pending = ours.receive();
      const ticked = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20));
      expect(ticked).toBe(true);
      writeSync(peer, Buffer.from('first'));
      writeSync(peer, Buffer.from('second message'));
      expect((await pending).data.toString()).toBe('first');
      const second = await ours.receive();
      expect(second.data.toString()).toBe('second message');
      expect(second.fds).toEqual([]);

      ours.send(Buffer.from('one'));
      ours.send(Buffer.from('two'));
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, readSync(peer, buf)).toString()).toBe('one');
      expect(buf.subarray(0, readSync(peer, buf)).toString()).toBe('two');
    } finally {
      ours.close();
      closeSync(peer);
    }
  });

  it('reads an empty message once the other end is closed (CRIU exited)', async () => {
    const { ours, peer } = SeqpacketSocket.pair();
    closeSync(peer);
    try {
      expect((await ours.receive()).data.length).toBe(0);
    } finally {
      ours.close();
    }
  });

  it('a socket closed while a receive waits rejects it instead of reading freed memory', async () => {
    const { ours, peer } = SeqpacketSocket.pair();
    const pending = ours.receive();
    ours.close();
    // The worker's recvmsg returns once the peer goes too.
    closeSync(peer);
    await expect(pending).rejects.toThrow(/closed while waiting|recvmsg/);
  });
});
