/**
 * Listens on the demand layout's `wake` channel (ADR 0017): a gateway holding a cold call
 * publishes there so the autoscaler acts at once instead of at its next tick. Fire and forget:
 * a lost message costs one tick, because the next demand report carries the waiting call.
 */
import { decodeWake, type DemandKeys, type Wake } from '@lamina/core';
import type { Redis } from 'ioredis';

/**
 * Subscribes on a connection of its own (a subscribed connection can do
 * nothing else) and hands each well-formed message to `onWake`. `stop()` is idempotent and
 * leaves closing the connection to its owner.
 */
export class WakeListener {
  readonly name = 'wake-listener';
  private stopping: Promise<void> | undefined;
  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.o.keys.wake) return;
    const wake = decodeWake(message);
    if (wake !== undefined) this.o.onWake(wake);
  };

  constructor(
    private readonly o: {
      readonly subscriber: Redis;
      readonly keys: DemandKeys;
      readonly onWake: (wake: Wake) => void;
    },
  ) {}

  async start(): Promise<void> {
    this.o.subscriber.on('message', this.onMessage);
    await this.o.subscriber.subscribe(this.o.keys.wake);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.o.subscriber.off('message', this.onMessage);
      await this.o.subscriber.unsubscribe(this.o.keys.wake).catch(() => undefined);
    })();
    return this.stopping;
  }
}
