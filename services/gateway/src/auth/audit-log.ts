/**
 * The audit log (issue #18, Lamina's CloudTrail): one JSON line per management call and per
 * refused call of any kind — time, access key, caller, operation, resource, result, status,
 * request id, source address — to stdout and, when configured, appended to a file; and a
 * counter of refusals by reason.
 *
 * Invariants: a line never holds a payload, a secret or a signature; writing never throws into
 * the request (a failing file is reported once on the logger and stdout carries on); successful
 * invokes are not logged (data events), refused ones are.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

export interface AuditEntry {
  readonly time: string;
  /** Absent for an unsigned call or an open (unauthenticated) gateway. */
  readonly accessKeyId?: string;
  readonly principal?: string;
  readonly operation: string;
  readonly resource?: string;
  /** `Success`, or the error name the caller got. */
  readonly result: string;
  readonly status: number;
  readonly requestId: string;
  readonly sourceAddress: string;
}

export interface AuditLogOptions {
  /** Where each line goes besides the file; default process.stdout. */
  readonly write: (line: string) => void;
  /** Append every line here too. */
  readonly file?: string;
  readonly registry: Registry;
  readonly logger: Pick<Logger, 'error'>;
}

export class AuditLog {
  private readonly stream: WriteStream | undefined;
  private readonly refusals: Counter<'reason'>;
  private fileFailed = false;

  constructor(private readonly o: AuditLogOptions) {
    this.refusals = new Counter({
      name: 'lamina_gateway_auth_refusals_total',
      help: 'Requests refused by authentication or authorisation, by the error answered.',
      labelNames: ['reason'],
      registers: [o.registry],
    });
    if (o.file !== undefined) {
      this.stream = createWriteStream(o.file, { flags: 'a' });
      this.stream.on('error', (err) => {
        if (!this.fileFailed) o.logger.error({ err, file: o.file }, 'audit log file unusable');
        this.fileFailed = true;
      });
    }
  }

  record(entry: AuditEntry): void {
    const line = `${JSON.stringify({ audit: true, ...entry })}\n`;
    this.o.write(line);
    if (this.stream !== undefined && !this.fileFailed) this.stream.write(line);
  }

  /** Counts a refusal (authentication or authorisation) under its error name. */
  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  close(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined || stream.closed) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}
