// A response-streaming handler, run by the official aws-lambda-ric (`awslambda` is its global).
/* global awslambda */
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('streamed ');
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (event.fail) throw new Error('failed mid-stream');
  responseStream.write('response');
  responseStream.end();
});
