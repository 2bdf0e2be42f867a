/**
 * JSON.parse, except that integer literals beyond 2^53 become exact bigints instead of rounded
 * numbers (an "unlimited" rlimit is 18446744073709551615, which JSON.parse turns into
 * 18446744073709552000). Node 20 has no reviver source access, so the slow path is a small
 * parser of its own; it only runs on text that JSON.parse already accepted and that has a run of
 * 16 digits somewhere, so it may trust the grammar.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return /\d{16}/.test(text) ? new ExactParser(text).document() : value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class ExactParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    return this.value();
  }

  private skip(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.exec(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  private value(): unknown {
    this.skip();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.number();
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const token = NUMBER.exec(this.text)![0];
    this.pos += token.length;
    const n = Number(token);
    return /^-?\d+$/.test(token) && !Number.isSafeInteger(n) ? BigInt(token) : n;
  }

  private string(): string {
    let end = this.pos + 1;
    while (this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
    const s = JSON.parse(this.text.slice(this.pos, end + 1)) as string;
    this.pos = end + 1;
    return s;
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skip();
      if (this.text[this.pos++] === ']') return out;
    }
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skip();
      const key = this.string();
      this.skip();
      this.pos++; // ':'
      // defineProperty, as JSON.parse does, so that a "__proto__" key stays a plain key.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skip();
      if (this.text[this.pos++] === '}') return out;
    }
  }
}
