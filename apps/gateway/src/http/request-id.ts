import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export type RequestWithId = Request & { id: string };

/** Every request gets an id (the caller's `x-request-id` when sane), echoed back and put on server-side logs. */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
  (req as RequestWithId).id = id;
  res.setHeader('x-request-id', id);
  next();
}
