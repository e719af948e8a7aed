/**
 * How the CLI prints: `--output json` writes one JSON document to stdout (scripts parse it);
 * `table` writes aligned columns. Colour and in-place progress only on a terminal (and never
 * with NO_COLOR); piped, progress is plain lines on stderr so stdout stays the result.
 *
 * Invariant: results go to stdout, progress and warnings to stderr.
 */
import type { OutputFormat } from './settings.js';

export interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export type Row = Readonly<Record<string, unknown>>;

/** An SDK output without its `$metadata` (request ids, HTTP status): what a user asked for. */
export function withoutMetadata<T extends object>(o: T): Omit<T, '$metadata'> {
  const copy = { ...o } as Record<string, unknown>;
  delete copy['$metadata'];
  return copy as Omit<T, '$metadata'>;
}

export class Output {
  private progressOpen = false;

  constructor(
    readonly format: OutputFormat,
    private readonly stdout: Stream,
    private readonly stderr: Stream,
    private readonly colourOn: boolean,
  ) {}

  static for(format: OutputFormat, stdout: Stream, stderr: Stream, noColor: boolean): Output {
    return new Output(format, stdout, stderr, stderr.isTTY === true && !noColor);
  }

  paint(colour: Colour, text: string): string {
    return this.colourOn ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /** A result: the value as JSON, or `table(rows)` as columns. */
  result(value: unknown, rows: readonly Row[], columns: readonly string[]): void {
    if (this.format === 'json') {
      this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    this.stdout.write(renderTable(rows, columns));
  }

  /** A result that is one record: JSON, or `key  value` lines. */
  record(value: Row): void {
    if (this.format === 'json') {
      this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const width = Math.max(0, ...Object.keys(value).map((k) => k.length));
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      this.stdout.write(`${k.padEnd(width)}  ${cell(v)}\n`);
    }
  }

  /** Raw text to stdout (invoke payloads, logs). */
  text(text: string): void {
    this.stdout.write(text);
  }

  /** A progress step: rewritten in place on a terminal, one line each when piped. */
  progress(text: string): void {
    if (this.colourOn) {
      this.stderr.write(`\r\u001b[2K${this.paint('cyan', '…')} ${text}`);
      this.progressOpen = true;
    } else {
      this.stderr.write(`${text}\n`);
    }
  }

  /** A finished step (ends an open progress line). */
  done(text: string): void {
    this.endProgress();
    this.stderr.write(`${this.paint('green', '✓')} ${text}\n`);
  }

  warn(text: string): void {
    this.endProgress();
    this.stderr.write(`${this.paint('yellow', 'warning:')} ${text}\n`);
  }

  error(text: string): void {
    this.endProgress();
    this.stderr.write(`${this.paint('red', 'lamina:')} ${text}\n`);
  }

  /** A note for people (stderr, so it never mixes into a result). */
  note(text: string): void {
    this.endProgress();
    this.stderr.write(`${text}\n`);
  }

  private endProgress(): void {
    if (!this.progressOpen) return;
    this.stderr.write('\r\u001b[2K');
    this.progressOpen = false;
  }
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function renderTable(rows: readonly Row[], columns: readonly string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    `${values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('');
}
