import { constants } from 'node:os';
import { ContainerError } from '../errors.js';

const byNumber = new Map(Object.entries(constants.signals).map(([name, value]) => [value, name as NodeJS.Signals]));

export function signalName(signal: number): NodeJS.Signals {
  return byNumber.get(signal) ?? (`SIG${signal}` as NodeJS.Signals);
}

/** "KILL", "SIGKILL", "kill" or "9" → 9; what runc's kill accepts, 0 too (only checks that the process is there). */
export function signalNumber(signal: NodeJS.Signals | number | string): number {
  if (typeof signal === 'number') return checkRange(signal, String(signal));
  if (/^\d+$/.test(signal)) return checkRange(Number(signal), signal);
  const upper = signal.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  const value = constants.signals[name];
  if (value === undefined) throw new ContainerError('ConfigInvalid', `unknown signal "${signal}"`);
  return value;
}

function checkRange(value: number, text: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 64) throw new ContainerError('ConfigInvalid', `invalid signal "${text}"`);
  return value;
}
