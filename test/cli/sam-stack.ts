/**
 * The AWS SAM stack both template suites deploy (local mode: cli-template, the cluster:
 * test/operator/cluster-sam-template): a Node.js function with an alias (AutoPublishAlias) and a
 * Schedule event, a Python function with a ScheduleV2 event, one layer both load a module from,
 * Globals, a parameter, environment variables and a resource Lamina does not offer (Orders).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { SchedulerClient } from '@aws-sdk/client-scheduler';

/** What `lamina deploy --template … -o json` prints. */
export interface DeployResult {
  Stack: string;
  Functions: {
    FunctionName: string;
    Action: string;
    Changes: string[];
    Version?: string;
    Alias?: string;
  }[];
  Deleted: string[];
  Unsupported: string[];
}

/** The template; without the Python function when `withPython` is false. */
export const samTemplate = (withPython: boolean): string => `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: shared/
      CompatibleRuntimes: [nodejs22.x, python3.11]
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web/
      Handler: index.handler
      Runtime: nodejs22.x
      AutoPublishAlias: live
      Layers: [!Ref Shared]
      Environment:
        Variables:
          GREETING: !Sub "hello from \${AWS::StackName}"
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Input: '{"job":"nightly"}'
${
  withPython
    ? `  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: worker
      Handler: app.handler
      Runtime: python3.11
      MemorySize: 256
      Layers: [!Ref Shared]
      Environment:
        Variables:
          PEER: !Ref Web
      Events:
        Every:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(5 minutes)
`
    : ''
}  Orders:
    Type: AWS::DynamoDB::Table
`;

/** Writes the code, the layer and template.yaml (both functions) into `dir`. */
export function writeSamStack(dir: string): void {
  mkdirSync(join(dir, 'web'));
  mkdirSync(join(dir, 'worker'));
  writeFileSync(
    join(dir, 'web', 'index.js'),
    "const { greet } = require('greet');\nexports.handler = async () => ({ greeting: process.env.GREETING, stage: process.env.STAGE, shared: greet('web') });\n",
  );
  writeFileSync(
    join(dir, 'worker', 'app.py'),
    'import os\nfrom greet import greet\n\ndef handler(event, context):\n    return {"peer": os.environ["PEER"], "stage": os.environ["STAGE"], "shared": greet("worker"), "v": 1}\n',
  );
  // One layer for both runtimes, in the folders Lambda's runtimes search.
  mkdirSync(join(dir, 'shared', 'nodejs', 'node_modules', 'greet'), { recursive: true });
  mkdirSync(join(dir, 'shared', 'python'), { recursive: true });
  writeFileSync(
    join(dir, 'shared', 'nodejs', 'node_modules', 'greet', 'index.js'),
    'exports.greet = (who) => `layer greets ${who}`;\n',
  );
  writeFileSync(
    join(dir, 'shared', 'python', 'greet.py'),
    'def greet(who):\n    return f"layer greets {who}"\n',
  );
  writeFileSync(join(dir, 'template.yaml'), samTemplate(true));
}

/** EventBridge Scheduler's client on a Lamina endpoint, as the suites check schedules with. */
export function schedulerAt(endpoint: string): SchedulerClient {
  return new SchedulerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}
