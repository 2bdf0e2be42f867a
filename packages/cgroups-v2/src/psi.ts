import { readCgOptional } from '@containerkit/core';

export interface PsiData {
  avg10: number;
  avg60: number;
  avg300: number;
  total: number;
}

export interface PsiStats {
  some?: PsiData;
  full?: PsiData;
}

/** A *.pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0") in runc's PSIStats shape. */
export function parsePsi(text: string): PsiStats {
  const out: PsiStats = {};
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const data: PsiData = { avg10: 0, avg60: 0, avg300: 0, total: 0 };
    for (const pair of pairs) {
      const [key, value] = pair.split('=');
      if (key === 'avg10' || key === 'avg60' || key === 'avg300' || key === 'total') data[key] = Number(value);
    }
    out[kind] = data;
  }
  return out;
}

/** Undefined when the kernel has no PSI (absent file, or EOPNOTSUPP with psi=0): runc then omits "psi". */
export async function readPsi(dir: string, file: string): Promise<PsiStats | undefined> {
  const text = await readCgOptional(dir, file);
  return text === undefined ? undefined : parsePsi(text);
}
