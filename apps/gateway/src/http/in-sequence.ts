import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Express middlewares run one after another as ONE router layer. The router matches every layer
 * against every request, so each layer saved is work saved on every request, `authorize` included.
 * An error (or a throw) skips the rest and goes on to the error handlers, as between layers.
 */
export function inSequence(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      const handler = handlers[i++];
      if (!handler) return next();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
