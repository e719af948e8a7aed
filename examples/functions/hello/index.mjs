// An ordinary Lambda handler: it runs unchanged on AWS Lambda and on Lamina.
let invocations = 0; // module state survives between warm invocations

export const handler = async (event, context) => {
  invocations += 1;
  const name = event?.name ?? 'world';
  console.log(`greeting ${name}`);
  return {
    message: `${process.env.GREETING}, ${name}!`,
    requestId: context.awsRequestId,
    functionVersion: context.functionVersion,
    warmInvocations: invocations,
  };
};
