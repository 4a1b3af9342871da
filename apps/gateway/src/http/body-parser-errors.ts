import type { NextFunction, Request, Response } from 'express';

/** A body that is too large or not JSON gets a GraphQL-shaped BAD_USER_INPUT, like any other bad input. */
export function bodyParserErrors(error: { type?: string; status?: number } | undefined, _req: Request, res: Response, next: NextFunction): void {
  if (!error) return next();
  const tooLarge = error.type === 'entity.too.large';
  const status = tooLarge ? 413 : (error.status ?? 400);
  if (status >= 500) return next(error);
  res.status(status).json({
    errors: [{ message: tooLarge ? 'The request body is larger than 100 kB.' : 'The request body is not valid JSON.', extensions: { code: 'BAD_USER_INPUT', fields: [] } }],
  });
}
