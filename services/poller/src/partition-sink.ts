/**
 * The consumer side of one partition's batch (kafkajs eachBatch), as the BatchProcessor and its
 * tracing decorator (traced-batch.ts) see it. Invariant: nothing after an unprocessed record is
 * ever committed (the BatchProcessor's rule; the sink only carries it out).
 */
export interface PartitionSink {
  /** False once the consumer stops or the partition may have moved (rebalance). */
  active(): boolean;
  /** Marks everything below `nextOffset` done and commits it. */
  commit(nextOffset: string): Promise<void>;
}
