/** The parts of Lambda's (and Scheduler's) API shapes the console shows. */

export interface FunctionConfiguration {
  readonly FunctionName: string;
  readonly FunctionArn?: string;
  readonly Runtime?: string;
  readonly Handler?: string;
  readonly MemorySize?: number;
  readonly Timeout?: number;
  readonly State?: string;
  readonly StateReason?: string;
  readonly LastUpdateStatus?: string;
  readonly LastModified?: string;
  readonly Description?: string;
  readonly CodeSize?: number;
  readonly Version?: string;
  readonly PackageType?: string;
  readonly Architectures?: readonly string[];
  readonly Environment?: { readonly Variables?: Readonly<Record<string, string>> };
  readonly LoggingConfig?: {
    readonly LogFormat?: string;
    readonly ApplicationLogLevel?: string;
    readonly SystemLogLevel?: string;
  };
  readonly Layers?: readonly { readonly Arn?: string }[];
  readonly EphemeralStorage?: { readonly Size?: number };
}

export interface AliasConfiguration {
  readonly Name: string;
  readonly FunctionVersion: string;
  readonly Description?: string;
  readonly RoutingConfig?: { readonly AdditionalVersionWeights?: Readonly<Record<string, number>> };
}

export interface EventSourceMapping {
  readonly UUID: string;
  readonly FunctionArn?: string;
  readonly EventSourceArn?: string;
  readonly SelfManagedEventSource?: {
    readonly Endpoints?: Readonly<Record<string, readonly string[]>>;
  };
  readonly Topics?: readonly string[];
  readonly State?: string;
  readonly StateTransitionReason?: string;
  readonly BatchSize?: number;
  readonly LastProcessingResult?: string;
}

export interface ScheduleSummary {
  readonly Name: string;
  readonly GroupName?: string;
  readonly State?: string;
  readonly Target?: { readonly Arn?: string };
}

export interface Schedule extends ScheduleSummary {
  readonly ScheduleExpression?: string;
}

export interface LogEvent {
  readonly time: number;
  readonly message: string;
  readonly logStream?: string;
  readonly requestId?: string;
}

/** The function name of a function ARN (`…:function:NAME[:qualifier]`), or the value itself. */
export const functionNameOf = (arn: string | undefined): string =>
  arn === undefined ? '' : (/:function:([^:]+)/.exec(arn)?.[1] ?? arn);
