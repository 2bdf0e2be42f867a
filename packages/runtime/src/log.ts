import { appendFileSync } from 'node:fs';
import type { GlobalOptions } from './globals.js';

export type Level = 'debug' | 'info' | 'warning' | 'error';

/**
 * runc's logrus: lines go to --log when given, to stderr otherwise; debug lines only with
 * --debug. The error that ends a call is the exception: ckrun prints it as one `ckrun: …` line
 * on stderr itself, so fatal() writes it only to --log.
 */
export interface Log {
  readonly debugEnabled: boolean;
  debug(msg: string): void;
  warn(msg: string): void;
  /** An error the command goes on after (a stats collection that failed). */
  error(msg: string): void;
  /** The error that ends the call, already on stderr: to --log only. */
  fatal(msg: string): void;
}

/** logrus's timestamp: RFC 3339 to the second. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

// logrus's TextFormatter leaves a value bare when every character is one of these (an empty one too).
const BARE = /^[A-Za-z0-9\-._/@^+]*$/;
const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's %q of a string: the escapes above, \xNN for the other control characters. */
function goQuote(text: string): string {
  // eslint-disable-next-line no-control-regex
  const body = text.replace(/["\\\x00-\x1f\x7f]/g, (c) => GO_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${body}"`;
}

/** Go's encoding/json escapes <, > and & (and U+2028/9), which logrus's JSONFormatter keeps on. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One log line as runc (logrus) writes it: text `time="…" level=error msg="…"`, or JSON with its keys sorted. */
export function formatLogLine(format: 'text' | 'json', level: Level, msg: string, now = new Date()): string {
  if (format === 'json') return `${goJson({ level, msg, time: timestamp(now) })}\n`;
  // logrus's text drops one final newline of the message, as Go's log package does.
  const text = msg.endsWith('\n') ? msg.slice(0, -1) : msg;
  return `time="${timestamp(now)}" level=${level} msg=${BARE.test(text) ? text : goQuote(text)}\n`;
}

export function openLog(globals: Pick<GlobalOptions, 'log' | 'logFormat' | 'debug'>, stderr: (text: string) => void): Log {
  const toFile = (level: Level, msg: string) => {
    if (!globals.log) return;
    try {
      appendFileSync(globals.log, formatLogLine(globals.logFormat, level, msg));
    } catch {
      // A broken log path must not hide what ckrun prints on stderr.
    }
  };
  const write = (level: Level, msg: string) => (globals.log ? toFile(level, msg) : stderr(formatLogLine(globals.logFormat, level, msg)));
  return {
    debugEnabled: globals.debug,
    debug: (msg) => globals.debug && write('debug', msg),
    warn: (msg) => write('warning', msg),
    error: (msg) => write('error', msg),
    fatal: (msg) => toFile('error', msg),
  };
}
