'use strict';
// Conformance function for nodejs*.x (see ../README.md).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let count = 0;
const hoard = [];

exports.handler = async (event, context) => {
  switch (event.action) {
    case 'echo':
      return event;
    case 'node-version':
      return { node: process.versions.node };
    case 'node-start':
      // How node was started (Lambda's bootstrap: gc exposed, the heap sized from the memory).
      if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
      return { gc: typeof globalThis.gc, execArgv: process.execArgv };
    case 'log':
      console.log(`conformance-log ${event.value}`);
      return { logged: event.value };
    case 'context':
      return {
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: String(context.memoryLimitInMB),
        awsRequestId: context.awsRequestId,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        remainingTimeInMillis: context.getRemainingTimeInMillis(),
      };
    case 'env':
      return Object.fromEntries(event.names.map((n) => [n, process.env[n] ?? null]));
    case 'error':
      throw new Error('boom');
    case 'count':
      count += 1;
      return { count };
    case 'tmp-write':
      fs.writeFileSync(path.join(os.tmpdir(), 'conformance.txt'), event.value);
      return { written: event.value };
    case 'tmp-read':
      return { value: fs.readFileSync(path.join(os.tmpdir(), 'conformance.txt'), 'utf8') };
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { slept: event.ms };
    case 'blowup':
      for (;;) {
        hoard.push(Buffer.alloc(4 * 1024 * 1024, 1));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    default:
      throw new Error(`unknown action ${event.action}`);
  }
};
