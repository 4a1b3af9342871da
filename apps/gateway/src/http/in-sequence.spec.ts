import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { inSequence } from './in-sequence';

const req = {} as Request;
const res = {} as Response;

function run(handler: RequestHandler): unknown[] {
  const calls: unknown[] = [];
  handler(req, res, ((error?: unknown) => calls.push(error === undefined ? 'next' : error)) as NextFunction);
  return calls;
}

describe('inSequence', () => {
  it('runs the handlers in order, then passes on once', () => {
    const seen: string[] = [];
    const calls = run(inSequence((_q, _s, next) => (seen.push('a'), next()), (_q, _s, next) => (seen.push('b'), next())));
    expect(seen).toEqual(['a', 'b']);
    expect(calls).toEqual(['next']);
  });

  it('an error passed on or thrown skips the rest and goes to the error handlers', () => {
    const refused = new Error('refused');
    let reached = false;
    const rest: RequestHandler = () => (reached = true);
    expect(run(inSequence((_q, _s, next) => next(refused), rest))).toEqual([refused]);
    expect(run(inSequence(() => { throw refused; }, rest))).toEqual([refused]);
    expect(reached).toBe(false);
  });

  it('a handler that answers without calling next ends the sequence', () => {
    let reached = false;
    expect(run(inSequence(() => undefined, () => (reached = true)))).toEqual([]);
    expect(reached).toBe(false);
  });
});
