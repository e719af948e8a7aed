import { EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import { handleSignalsEarly } from './signals.js';

function fakeProcess() {
  const target = new EventEmitter();
  const exits: number[] = [];
  const lines: string[] = [];
  const signals = handleSignalsEarly({
    name: 'lamina-test',
    target: {
      on: (signal, listener) => target.on(signal, listener),
    },
    exit: (code) => exits.push(code),
    write: (line) => lines.push(line),
  });
  const send = (signal: NodeJS.Signals): void => {
    target.emit(signal, signal);
  };
  return { signals, send, exits, lines };
}

describe('handleSignalsEarly', () => {
  it('exits at once (0) on a signal while the service is still starting', () => {
    const p = fakeProcess();
    p.send('SIGTERM');
    expect(p.exits).toEqual([0]);
    expect(p.lines).toEqual(['lamina-test: SIGTERM while starting: exiting\n']);
  });

  it('calls stop once started, and exits 130 on a second SIGINT', () => {
    const p = fakeProcess();
    const stops: string[] = [];
    p.signals.started((signal) => stops.push(signal));
    p.send('SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(p.exits).toEqual([]);
    p.send('SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(p.exits).toEqual([130]);
  });

  it('keeps draining on a repeated SIGTERM (a platform retrying a stop), and stops once', () => {
    const p = fakeProcess();
    const stops: string[] = [];
    p.signals.started((signal) => stops.push(signal));
    p.send('SIGTERM');
    p.send('SIGTERM');
    p.send('SIGTERM');
    expect(stops).toEqual(['SIGTERM']);
    expect(p.exits).toEqual([]);
    expect(p.lines).toEqual([
      'lamina-test: SIGTERM again: still draining (SIGINT exits at once)\n',
      'lamina-test: SIGTERM again: still draining (SIGINT exits at once)\n',
    ]);
    p.send('SIGINT');
    expect(p.exits).toEqual([130]);
  });
});
