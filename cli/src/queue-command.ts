export interface QueueReadOptions {
  readonly endpoint: string;
  readonly name: string;
  readonly max: number;
  /** Read without taking the messages. */
  readonly peek: boolean;
}

export interface QueueMessage {
  readonly Body: string;
  readonly Attributes: Readonly<Record<string, string>>;
}

/** `lamina queue read NAME`: takes messages of a named queue through the gateway's API. */
export async function readQueue(o: QueueReadOptions): Promise<QueueMessage[]> {
  const url = new URL(`/lamina/v1/queues/${encodeURIComponent(o.name)}/messages`, o.endpoint);
  url.searchParams.set('max', String(o.max));
  if (o.peek) url.searchParams.set('peek', 'true');
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`queue read answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { Messages: QueueMessage[] }).Messages;
}
