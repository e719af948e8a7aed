// The benchmark's function: echo the event back, nothing else.
export const handler = async (event) => event;
