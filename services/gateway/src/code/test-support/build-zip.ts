/** The hand-built zips of the gateway's tests: testkit's, shared with the benches. */
export { buildZip, type ZipEntrySpec } from '@lamina/testkit';
