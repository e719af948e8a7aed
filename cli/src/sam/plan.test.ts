import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { IntrinsicError, resolveValue } from './intrinsics.js';
import { planStack } from './plan.js';
import { parseTemplate, TemplateError } from './template.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-plan-'));
const options = {
  stack: 'shop',
  templateDir: dir,
  overrides: {},
  region: 'us-east-1',
  accountId: '000000000000',
};

const TEMPLATE = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }
  Origins: { Type: CommaDelimitedList, Default: "a,b" }
Globals:
  Function:
    Timeout: 10
    Runtime: nodejs22.x
    Environment:
      Variables: { STAGE: !Ref Stage, SHARED: "1" }
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Handler: index.handler
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 }
      ReservedConcurrentExecutions: 5
      Role: arn:aws:iam::1:role/x
      Tracing: Active
      Environment:
        Variables:
          NAME: !Sub "\${AWS::StackName}-\${Stage}"
          PEER: !GetAtt Mailer.Arn
          FIRST: !Select [0, !Ref Origins]
          JOINED: !Join ["-", [!Ref Stage, x]]
      Events:
        Nightly: { Type: Schedule, Properties: { Schedule: "cron(0 3 * * ? *)", Input: '{"a":1}' } }
        Orders: { Type: SelfManagedKafka, Properties: { KafkaBootstrapServers: [k:9092], Topics: [orders], StartingPosition: TRIM_HORIZON, BatchSize: 10 } }
        Q: { Type: SQS, Properties: { Queue: arn:aws:sqs:us-east-1:0:q, BatchSize: 5 } }
        Api: { Type: HttpApi }
        Bucket: { Type: S3, Properties: { Bucket: b } }
  Mailer:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "\${AWS::StackName}-mail"
      CodeUri: mail
      Handler: app.handler
      Runtime: python3.11
      MemorySize: 256
      Layers: [!Ref Libs]
      CodeSigningConfigArn: arn:x
  Libs:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: libs, CompatibleRuntimes: [python3.11] }
  Table:
    Type: AWS::DynamoDB::Table
Outputs:
  X: { Value: 1 }
`;

describe('SAM templates', () => {
  it('reads short-form tags as CloudFormation long forms', () => {
    const t = parseTemplate(TEMPLATE, 't.yaml');
    const env = t.resources['Orders']?.Properties['Environment'] as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables['NAME']).toEqual({ 'Fn::Sub': '${AWS::StackName}-${Stage}' });
    expect(env.Variables['PEER']).toEqual({ 'Fn::GetAtt': ['Mailer', 'Arn'] });
  });

  it('refuses a template without the SAM transform', () => {
    expect(() => parseTemplate('Resources: {}', 't.yaml')).toThrow(TemplateError);
  });

  it('plans functions with Globals merged, intrinsics resolved and events sorted out', () => {
    const plan = planStack(parseTemplate(TEMPLATE, 't.yaml'), options);
    const orders = plan.functions.find((f) => f.logicalId === 'Orders');
    expect(orders).toMatchObject({
      name: 'shop-orders',
      runtime: 'nodejs22.x',
      timeout: 10,
      alias: 'live',
      reservedConcurrency: 5,
      provisionedConcurrency: 2,
      codePath: join(dir, 'orders'),
      environment: {
        STAGE: 'dev',
        SHARED: '1',
        NAME: 'shop-dev',
        PEER: 'arn:aws:lambda:us-east-1:000000000000:function:shop-mail',
        FIRST: 'a',
        JOINED: 'dev-x',
      },
    });
    expect(orders?.events.map((e) => `${e.kind}:${e.id}`)).toEqual([
      'schedule:Nightly',
      'kafka:Orders',
      'sqs:Q',
      'http:Api',
    ]);
    const mailer = plan.functions.find((f) => f.logicalId === 'Mailer');
    expect(mailer?.name).toBe('shop-mail');
    expect(mailer?.memorySize).toBe(256);
    expect(mailer?.layers[0]).toMatch(/^arn:aws:lambda:us-east-1:000000000000:layer:shop-Libs:/);
    expect(plan.layers.map((l) => l.name)).toEqual(['shop-Libs']);
    expect(plan.unsupported).toEqual(
      expect.arrayContaining([
        'section Outputs (not read by lamina deploy)',
        'resource Table (AWS::DynamoDB::Table)',
        'Orders.Events.Bucket (S3)',
        'Mailer.Properties.CodeSigningConfigArn',
      ]),
    );
    expect(plan.ignored.join(' ')).toContain('Orders.Properties.Role');
    expect(plan.ignored.join(' ')).toContain('Orders.Properties.Tracing');
  });

  it('takes parameter overrides and rejects unknown ones', () => {
    const t = parseTemplate(TEMPLATE, 't.yaml');
    const plan = planStack(t, { ...options, overrides: { Stage: 'prod' } });
    expect(plan.functions[0]?.environment?.['NAME']).toBe('shop-prod');
    expect(() => planStack(t, { ...options, overrides: { Nope: '1' } })).toThrow(
      /does not declare/,
    );
  });

  it('names what it cannot resolve', () => {
    const scope = { refs: { A: 'a' }, attributes: {} };
    expect(resolveValue({ 'Fn::Sub': ['${A}-${B}', { B: 'b' }] }, scope)).toBe('a-b');
    expect(resolveValue({ 'Fn::Sub': '${!Literal}' }, scope)).toBe('${Literal}');
    expect(() => resolveValue({ Ref: 'Missing' }, scope)).toThrow(IntrinsicError);
    expect(() => resolveValue({ 'Fn::If': ['c', 1, 2] }, scope)).toThrow(/Fn::If is not supported/);
    expect(() => resolveValue({ 'Fn::GetAtt': ['X', 'Url'] }, scope)).toThrow(/X.Url/);
  });
});
