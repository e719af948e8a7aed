// A Node.js handler run by the official aws-lambda-ric (ESM).
let calls = 0;
export const handler = async (event, context) => {
  calls += 1;
  if (event.fail) throw new TypeError(`bad input ${event.fail}`);
  console.log('handling', context.awsRequestId);
  return {
    echo: event,
    calls,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    remaining: context.getRemainingTimeInMillis() > 0,
  };
};
