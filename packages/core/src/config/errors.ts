import type { z } from 'zod';
import { ContainerError } from '../errors.js';
import { describeValue, jsonPath } from './describe.js';

const FILE = 'config.json';

const ARTICLE: Record<string, string> = { array: 'an array', object: 'an object', integer: 'an integer' };

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) return 'required';
    return `expected ${ARTICLE[issue.expected] ?? `a ${issue.expected}`}, got ${describeValue(input)}`;
  }
  if (issue.code === 'invalid_union') return 'does not match any allowed form';
  return issue.message;
}

/** One line per bad field, e.g. `config.json: linux.resources.memory.limit: expected a number, got "64m"`. */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = jsonPath(issue.path);
      return where === '' ? `${FILE}: ${issueMessage(issue)}` : `${FILE}: ${where}: ${issueMessage(issue)}`;
    })
    .join('\n');
}

/** A failed schema parse as the one ConfigInvalid error that names every bad field. */
export function configInvalid(error: z.core.$ZodError): ContainerError {
  return new ContainerError('ConfigInvalid', formatConfigIssues(error.issues), { cause: error });
}

export function invalidJson(cause: unknown): ContainerError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ContainerError('ConfigInvalid', `${FILE}: invalid JSON: ${detail}`, { cause });
}
