/**
 * SQS queue ARNs (`arn:aws:sqs:<region>:<account>:<name>`), the one way Lamina names an SQS
 * queue: in event source mappings and as dead-letter and destination targets. Which endpoint
 * serves the queue is configuration (LAMINA_SQS_ENDPOINT), never part of the ARN, so configs
 * copied from AWS keep working.
 */

export interface SqsQueueRef {
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  /** The queue name; FIFO queues end in `.fifo`. */
  readonly name: string;
  readonly fifo: boolean;
}

const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):([a-zA-Z0-9_-]{1,80}(?:\.fifo)?)$/;

/** The parts of an SQS queue ARN, or undefined when `arn` is not one. */
export function parseSqsArn(arn: string): SqsQueueRef | undefined {
  const m = SQS_ARN.exec(arn);
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  if (m[3].length > 80) return undefined;
  return { arn, region: m[1], accountId: m[2], name: m[3], fifo: m[3].endsWith('.fifo') };
}
