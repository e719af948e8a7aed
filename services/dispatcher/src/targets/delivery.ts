import type { AsyncTarget, TargetMessage } from '@lamina/core';

/** One message for one target: a destination record or a dead-letter message. */
export interface Delivery {
  readonly target: AsyncTarget;
  readonly message: TargetMessage;
  readonly kind: 'record' | 'dead-letter';
  readonly requestId: string;
  /** The function whose record or dead letter this is (a function target's aws:SourceArn). */
  readonly sourceArn?: string;
}

/** Sends deliveries of one target kind; throws when the target did not take the message. */
export interface TargetSender {
  send(delivery: Delivery): Promise<void>;
  close?(): Promise<void>;
}

/** Waits; injectable so tests do not. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
