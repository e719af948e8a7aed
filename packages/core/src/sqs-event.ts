/**
 * The function side of SQS event sources (reference §5, Amazon SQS): Lambda's `aws:sqs` event
 * built from received messages, and the ReportBatchItemFailures answer read back into the
 * message IDs to leave on the queue. Pure; the poller's SQS consumer uses it.
 *
 * Invariant: a response Lambda would treat as a complete failure (invalid JSON, an identifier
 * that is empty or not in the batch) leaves every message; one it treats as success (empty,
 * null, no or an empty `batchItemFailures`) deletes every message.
 */

/** A received message as the SQS API returns it (the SDK's Message, structurally). */
export interface SqsMessageInput {
  readonly MessageId?: string | undefined;
  readonly ReceiptHandle?: string | undefined;
  readonly Body?: string | undefined;
  readonly MD5OfBody?: string | undefined;
  readonly MD5OfMessageAttributes?: string | undefined;
  readonly Attributes?: Readonly<Record<string, string>> | undefined;
  readonly MessageAttributes?:
    | Readonly<
        Record<
          string,
          {
            readonly StringValue?: string | undefined;
            readonly BinaryValue?: Uint8Array | undefined;
            readonly StringListValues?: readonly string[] | undefined;
            readonly BinaryListValues?: readonly Uint8Array[] | undefined;
            readonly DataType?: string | undefined;
          }
        >
      >
    | undefined;
}

const b64 = (v: Uint8Array): string => Buffer.from(v).toString('base64');

/** Lambda's SQS event for one batch, in receive order. */
export function sqsEvent(
  messages: readonly SqsMessageInput[],
  queueArn: string,
  region: string,
): { Records: Record<string, unknown>[] } {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: { ...(m.Attributes ?? {}) },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
          name,
          {
            ...(a.StringValue === undefined ? {} : { stringValue: a.StringValue }),
            ...(a.BinaryValue === undefined ? {} : { binaryValue: b64(a.BinaryValue) }),
            stringListValues: [...(a.StringListValues ?? [])],
            binaryListValues: (a.BinaryListValues ?? []).map(b64),
            dataType: a.DataType ?? 'String',
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      ...(m.MD5OfMessageAttributes === undefined
        ? {}
        : { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/** What to leave on the queue after a successful invoke. */
export type SqsItemFailures =
  | { readonly kind: 'none' }
  | { readonly kind: 'some'; readonly messageIds: ReadonlySet<string> }
  | { readonly kind: 'all' };

/** Reads `{"batchItemFailures":[{"itemIdentifier": messageId}]}` (ReportBatchItemFailures). */
export function parseSqsItemFailures(body: string, messageIds: readonly string[]): SqsItemFailures {
  if (body.trim() === '') return { kind: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'all' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { kind: 'none' };
  const list = (parsed as Record<string, unknown>)['batchItemFailures'];
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0))
    return { kind: 'none' };
  if (!Array.isArray(list)) return { kind: 'all' };
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const item of list) {
    const id =
      typeof item === 'object' && item !== null
        ? (item as Record<string, unknown>)['itemIdentifier']
        : undefined;
    if (typeof id !== 'string' || !known.has(id)) return { kind: 'all' };
    failed.add(id);
  }
  return { kind: 'some', messageIds: failed };
}
