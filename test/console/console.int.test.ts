import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

// The web console (issue #22) in Debian's headless Chromium, driven by playwright-core: a signed
// local Lamina (`lamina dev` as a user starts it), the console's login with an access key, the
// function list, an invoke showing its result and Tail log, the live log and a chart that counts
// the calls just made. Screenshots go to LAMINA_CONSOLE_SCREENSHOTS (docs/console to refresh the
// README's pictures), else a temporary folder.

const CHROMIUM = process.env['LAMINA_CHROMIUM'] ?? '/usr/bin/chromium';
const admin = { accessKeyId: 'CONSOLEADMIN', secretAccessKey: 'console-admin-secret-key' };
const HANDLER = `exports.handler = async (event, context) => {
  console.log('hello from the console test', JSON.stringify(event));
  if (event.fail) throw new Error('asked to fail');
  return { greeting: 'hi ' + (event.name || 'nobody'), version: context.functionVersion };
};
`;

describe('the web console in headless Chromium (local mode, signed)', () => {
  let lamina: LaminaProcess | undefined;
  let lambda: LambdaClient;
  let browser: Browser | undefined;
  let page: Page;
  let dir: string | undefined;
  let url = '';
  let shots: string;
  const fn = uniqueName('console-hello');
  const other = uniqueName('console-other');

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (test/env/up does)`);
    }
    dir = mkdtempSync(join(tmpdir(), 'lamina-console-'));
    shots = process.env['LAMINA_CONSOLE_SCREENSHOTS'] ?? join(dir, 'shots');
    mkdirSync(shots, { recursive: true });
    const keys = join(dir, 'keys.json');
    writeFileSync(
      keys,
      JSON.stringify({
        keys: [
          { ...admin, policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } } },
        ],
      }),
    );
    lamina = await startLamina({ env: { LAMINA_AUTH_KEYS_FILE: keys } });
    url = lamina.url;
    lambda = lambdaClient(url, { credentials: admin });
    for (const name of [fn, other]) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/console',
          Description: name === fn ? 'says hello' : 'another one',
          Code: { ZipFile: makeZip({ 'index.js': HANDLER }) },
          Environment: { Variables: { GREETING: 'hi' } },
        }),
      );
    }
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{}') }));
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { GREETING: 'hello' } },
      }),
    );
    const v2 = await lambda.send(
      new PublishVersionCommand({ FunctionName: fn, Description: 'second' }),
    );
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: fn,
        Name: 'live',
        FunctionVersion: v1.Version ?? '1',
        RoutingConfig: { AdditionalVersionWeights: { [v2.Version ?? '2']: 0.2 } },
      }),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // What the page reports goes into the test output (a failing page says why).
    page.on('pageerror', (err) => {
      console.error(`console page error: ${err.message}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) console.error(`console page: ${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`console page: ${m.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    lambda.destroy();
    await lamina?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a key, then lists the functions', async () => {
    await page.goto(`${url}/console`);
    await page.locator('form.login').waitFor();
    await shot('login');
    await page.fill('input[name=accessKeyId]', admin.accessKeyId);
    await page.fill('input[name=secretAccessKey]', admin.secretAccessKey);
    await page.click('form.login button');
    await page.locator(`a.fn:text-is("${fn}")`).waitFor();
    await expect(page.locator(`a.fn:text-is("${other}")`).count()).resolves.toBe(1);
    await expect(page.locator('table').first().innerText()).resolves.toMatch(/nodejs22\.x/);
    // ListFunctions has no State: the page fills each row's badge from its configuration.
    await page.locator('td .state-active').nth(1).waitFor();
    await expect(page.locator('#who').innerText()).resolves.toContain(admin.accessKeyId);
    await shot('functions');
  }, 60_000);

  it('invokes a function and shows its result and Tail log', async () => {
    await page.click(`a.fn:text-is("${fn}")`);
    await page.locator('#invoke-button').waitFor();
    await page.fill('#invoke-payload', '{"name":"console"}');
    for (let i = 0; i < 3; i++) {
      await page.click('#invoke-button');
      await page.locator('#invoke-result').waitFor();
      await page.locator('#invoke-button:not([disabled])').waitFor();
    }
    const result = await page.locator('#invoke-result').innerText();
    expect(JSON.parse(result)).toEqual({ greeting: 'hi console', version: '$LATEST' });
    const log = await page.locator('#invoke-log').innerText();
    expect(log).toMatch(/^START RequestId: \S+ Version: \$LATEST/m);
    expect(log).toMatch(/hello from the console test \{"name":"console"\}/);
    expect(log).toMatch(/^REPORT RequestId: \S+\tDuration: /m);
  }, 60_000);

  it('shows a chart with the calls just made, the live log and the recent invocations', async () => {
    // Three calls from the page, plus one from the SDK before.
    // (Page-side expressions as strings: this file is compiled without the DOM's types.)
    await page.waitForFunction(
      `Number(document.querySelector('figure[data-metric=invocations]')?.getAttribute('data-total') ?? 0) >= 4`,
      undefined,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      `(document.querySelector('#log-lines')?.textContent ?? '').includes('hello from the console test {"name":"console"}')`,
      undefined,
      { timeout: 20_000 },
    );
    const invocations = await page.locator('.invocations table tbody tr').count();
    expect(invocations).toBeGreaterThanOrEqual(4);
    await expect(page.locator('body').innerText()).resolves.toMatch(
      /live[\s\S]*1 \(80 %\)[\s\S]*2 \(20 %\)/,
    );
    await shot('function');
  }, 60_000);

  it('shows a function error as an error, and the other pages', async () => {
    await page.fill('#invoke-payload', '{"fail":true}');
    await page.click('#invoke-button');
    await page.locator('#invoke-result.failed').waitFor();
    await expect(page.locator('#invoke-output').innerText()).resolves.toMatch(
      /Unhandled[\s\S]*asked to fail/,
    );
    await page.goto(`${url}/console/#/event-sources`);
    await page.locator('section h2:text-matches("Event source mappings")').waitFor();
    await page.goto(`${url}/console/#/schedules`);
    await page.locator('section h2:text-matches("Schedules")').waitFor();
  }, 60_000);

  it('serves its API only to signed calls', async () => {
    const r = await fetch(`${url}/lamina/v1/functions/${fn}/logs`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
