import { ContainerError } from '../errors.js';

/**
 * A list of CPU or NUMA node numbers as the runtime spec writes it ("0-3,7"), read as runc's
 * configs.ToCPUSet reads it: spaces around an item and empty items are allowed, a range runs
 * from low to high. The result is the bitmap SCHED_SETAFFINITY and SET_MEMPOLICY take: bit n of
 * byte n / 8 stands for n. An empty string is no list (undefined), as it is for runc; one with
 * commas only is an error.
 */
export function parseIdList(text: string, field: string, what: 'CPU' | 'node', max: number): Uint8Array | undefined {
  if (text === '') return undefined;
  const bad = (problem: string) => new ContainerError('ConfigInvalid', `config.json: ${field}: ${problem}`);
  const number = (word: string, item: string): number => {
    if (!/^[0-9]+$/.test(word)) throw bad(`"${item}" is not a ${what} number or a range of them such as "0-3"`);
    const n = Number(word);
    if (n > max) throw bad(`${what} ${word} is above ${max}, the highest a Linux kernel can have`);
    return n;
  };
  const ranges: [number, number][] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const dash = item.indexOf('-');
    const low = number(dash < 0 ? item : item.slice(0, dash).trim(), item);
    const high = dash < 0 ? low : number(item.slice(dash + 1).trim(), item);
    if (low > high) throw bad(`the range "${item}" runs backwards`);
    ranges.push([low, high]);
  }
  if (ranges.length === 0) throw bad(`"${text}" lists no ${what}`);
  const bitmap = new Uint8Array(Math.floor(Math.max(...ranges.map(([, high]) => high)) / 8) + 1);
  for (const [low, high] of ranges) for (let n = low; n <= high; n++) bitmap[n >> 3]! |= 1 << (n & 7);
  return bitmap;
}
