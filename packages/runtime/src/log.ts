import { appendFileSync } from 'node:fs';
import type { GlobalOptions } from './globals.js';

export type Level = 'debug' | 'info' | 'warning' | 'error';

/** logrus's timestamp: RFC 3339 to the second. */
function timestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** One log line as runc (logrus) writes it: text `time="…" level=error msg="…"` or JSON. */
export function formatLogLine(format: 'text' | 'json', level: Level, msg: string, now = new Date()): string {
  if (format === 'json') return JSON.stringify({ level, msg, time: timestamp(now) }) + '\n';
  return `time="${timestamp(now)}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/** Appends to --log when given; without --log, runc logs go to stderr, which has its own line. */
export function writeLog(globals: Pick<GlobalOptions, 'log' | 'logFormat' | 'debug'>, level: Level, msg: string): void {
  if (!globals.log) return;
  if (level === 'debug' && !globals.debug) return;
  try {
    appendFileSync(globals.log, formatLogLine(globals.logFormat, level, msg));
  } catch {
    // The error itself is already on stderr; a broken log path must not hide it.
  }
}
