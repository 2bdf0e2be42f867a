import { writeSync } from 'node:fs';
import { currentCall } from './call.js';

// Descriptors whose writes go through Node's stream from now on (see writeStdio).
const throughStream = new Set<1 | 2>();

/**
 * Writes to stdout (1) or stderr (2) with write(2) itself: creating process.stdout, a stream
 * over a file, a tty or a pipe, costs a `state` call more than printing its answer. A write that
 * fails (a non-blocking pipe that is full, a closed one) hands the rest to Node's stream, which
 * waits or reports as it always did; that stream then carries the descriptor's later writes too,
 * so that they stay in order.
 */
export function writeStdio(fd: 1 | 2, text: string): void {
  const call = currentCall();
  if (call.write) return call.write(fd, Buffer.from(text));
  let rest: string | Buffer = text;
  if (!throughStream.has(fd)) {
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      return;
    } catch {
      throughStream.add(fd);
      rest = bytes.subarray(written);
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(rest);
}
