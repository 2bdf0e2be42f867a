import { currentCall } from '../call.js';
import type { Container } from '@containerkit/core';
import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { formatEvent } from '../format.js';
import { durationMs } from '../units.js';

/** How often a streaming `events` checks whether the container has stopped. */
const STOP_POLL_MS = 250;
/** After the stop, time for an OOM kill that ended the container to come out of its eventfd. */
const DRAIN_MS = 500;

export const events: Command = {
  name: 'events',
  summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  usage: '<container-id>',
  description: 'The events command displays information about the container. By default the\ninformation is displayed once every 5 seconds.',
  flags: {
    interval: { type: 'string', help: 'value  set the stats collection interval (default: 5s)' },
    stats: { type: 'boolean', help: "display the container's stats then exit" },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const text = (flags.interval as string | undefined) ?? '5s';
    const interval = durationMs(text);
    if (interval === undefined) throw new CliError('events', `--interval: invalid duration "${text}" (e.g. 5s, 500ms, 1m)`);
    if (interval <= 0) throw new CliError('events', '--interval: duration interval must be greater than 0');
    const container = await (await ctx.factory()).load(id!);
    if ((await container.status()) === 'stopped') throw new Error(`container with id ${id} is not running`);
    if (flags.stats) {
      ctx.stdout(formatEvent('stats', id!, await container.stats()));
      return 0;
    }
    await streamEvents(ctx, container, Math.max(1, Math.round(interval)));
    return 0;
  },
};

/**
 * A stats event every interval and an oom event per OOM kill, until the container stops or its
 * cgroup goes away. SIGINT and SIGTERM end ckrun by their default action, as they end runc.
 */
async function streamEvents(ctx: Parameters<Command['run']>[0], container: Container, intervalMs: number): Promise<void> {
  const id = container.id;
  const stop = new AbortController();
  const statsTimer = setInterval(() => {
    container.stats().then(
      (stats) => !stop.signal.aborted && ctx.stdout(formatEvent('stats', id, stats)),
      // runc logs a failed collection and tries again at the next tick; a read that failed because
      // the container stopped (a delete removing its cgroup under the read) ends the stream instead.
      (error: unknown) =>
        void container.status().then(
          (status) => (status === 'stopped' ? stopSoon() : !stop.signal.aborted && ctx.log.error(`stats: ${(error as Error).message}`)),
          () => stopSoon(),
        ),
    );
  }, intervalMs);
  const stopTimer = setInterval(() => {
    container.status().then(
      (status) => status === 'stopped' && stopSoon(),
      () => stopSoon(),
    );
  }, STOP_POLL_MS);
  let stopping = false;
  // A warm call's caller ended (SIGINT, SIGTERM): its stream ends with it, as runc's would.
  const gone = currentCall().gone;
  const onGone = () => stop.abort();
  gone?.addEventListener('abort', onGone);
  const stopSoon = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => stop.abort(), DRAIN_MS);
  };
  try {
    for await (const _ of container.notifyOOM(stop.signal)) ctx.stdout(formatEvent('oom', id));
  } finally {
    gone?.removeEventListener('abort', onGone);
    stop.abort();
    clearInterval(statsTimer);
    clearInterval(stopTimer);
  }
}
