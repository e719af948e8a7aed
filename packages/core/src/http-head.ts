/**
 * The header lines of an HTTP/1.1 head, read in one pass: what Lamina's Node.js runtime reads off
 * a Runtime API answer and what the worker reads off a request on an upgraded Runtime API
 * connection (ADR 0042, 0051, 0056). Free of imports on purpose: the runtime is dependency-free
 * in sandboxes and images, and its build (runtimes/nodejs/scripts/inline-core.mjs) copies this
 * module into its own dist.
 */

const SPACE = 0x20;
const TAB = 0x09;

const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/** Header names mapped to their lower-case form, made once for the names a peer is known to write. */
export function knownHeaderNames(names: readonly string[]): ReadonlyMap<string, string> {
  return new Map(names.map((name) => [name, name.toLowerCase()]));
}

/**
 * The header lines of `head` (a head without its blank last line) that follow its first line,
 * which ends at `firstLineEnd` (the index of its CR LF; negative: no header lines): lower-case
 * name → value, blanks around names and values dropped. A line without a name before its colon
 * is skipped; a later line of the same name wins. `known` lower-cases the names a peer is known
 * to write without `toLowerCase`.
 */
export function headerLines(
  head: string,
  firstLineEnd: number,
  known: ReadonlyMap<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  let end = firstLineEnd;
  while (end >= 0) {
    const start = end + 2;
    end = head.indexOf('\r\n', start);
    const stop = end < 0 ? head.length : end;
    const colon = head.indexOf(':', start);
    if (colon <= start || colon >= stop) continue;
    let from = colon + 1;
    while (from < stop && isBlank(head.charCodeAt(from))) from++;
    let to = stop;
    while (to > from && isBlank(head.charCodeAt(to - 1))) to--;
    let nameStart = start;
    while (nameStart < colon && isBlank(head.charCodeAt(nameStart))) nameStart++;
    let nameEnd = colon;
    while (nameEnd > nameStart && isBlank(head.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = head.slice(nameStart, nameEnd);
    headers[known.get(name) ?? name.toLowerCase()] = head.slice(from, to);
  }
  return headers;
}
