import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AdminCaller, RequestContext, Viewer } from '@honnin/identity';
import type { Request } from 'express';

/** What guards learn about a GraphQL request and leave for resolvers. */
export interface HonninRequest extends Request {
  viewer?: Viewer;
  admin?: AdminCaller;
  requestId?: string;
}

export function httpRequestOf(context: ExecutionContext): HonninRequest {
  return GqlExecutionContext.create(context).getContext<{ req: HonninRequest }>().req;
}

/** Tenant named by `x-tenant-id`, client address (proxy hops per TRUST_PROXY) and user agent. */
export function requestContextOf(req: Request): RequestContext {
  const tenant = req.headers['x-tenant-id'];
  const userAgent = req.headers['user-agent'];
  return {
    tenantSlug: typeof tenant === 'string' && tenant.length > 0 ? tenant : null,
    ip: req.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
  };
}

/** The credential after `scheme` in the Authorization header, or null. */
export function credentialOf(req: Request, scheme: 'Bearer' | 'ApiKey'): string | null {
  const header = req.headers['authorization'];
  if (typeof header !== 'string') return null;
  const [given, value] = header.split(' ', 2);
  return given === scheme && value ? value.trim() : null;
}

export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => requestContextOf(httpRequestOf(context)));
export const CurrentViewer = createParamDecorator((_: unknown, context: ExecutionContext): Viewer => httpRequestOf(context).viewer as Viewer);
export const CurrentAdmin = createParamDecorator((_: unknown, context: ExecutionContext): AdminCaller => httpRequestOf(context).admin as AdminCaller);
