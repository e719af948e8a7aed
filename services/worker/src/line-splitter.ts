/** The longest line kept whole; Lambda caps a log event at 256 KB. */
const MAX_LINE = 256 * 1024;

/** Cuts a text stream into lines (without the newline) and hands each to `emit`. */
export class LineSplitter {
  private partial = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl !== -1) {
      const piece = chunk.slice(start, nl);
      if (this.partial === '') {
        this.emit(piece);
      } else {
        this.emit(this.partial + piece);
        this.partial = '';
      }
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.partial += chunk.slice(start);
    if (this.partial.length > MAX_LINE) this.flush();
  }

  /** Emits what is left (a last line without a newline). */
  flush(): void {
    if (this.partial !== '') {
      const line = this.partial;
      this.partial = '';
      this.emit(line);
    }
  }
}
