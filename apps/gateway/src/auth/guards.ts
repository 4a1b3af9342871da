import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyScope, Identity } from '@honnin/identity';
import { credentialOf, httpRequestOf, requestContextOf } from './request-context';

/** Resolves `Authorization: Bearer` + `x-tenant-id` to the signed-in viewer, or UNAUTHENTICATED. */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly identity: Identity) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = httpRequestOf(context);
    req.viewer = await this.identity.sessions.authenticate(credentialOf(req, 'Bearer'), requestContextOf(req));
    return true;
  }
}

const ACTION = 'honnin:action';

/** The tenant policy must allow the viewer `action`, else INSUFFICIENT_AUTHENTICATION (RFC 9470). */
@Injectable()
export class ActionGuard implements CanActivate {
  constructor(
    private readonly identity: Identity,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const action = this.reflector.get<string>(ACTION, context.getHandler());
    const viewer = httpRequestOf(context).viewer;
    if (!viewer) return false;
    await this.identity.authorizer.requireAction(viewer, action);
    return true;
  }
}

export const SignedIn = () => UseGuards(SignedInGuard);
export const RequiresAction = (action: string) => applyDecorators(SetMetadata(ACTION, action), UseGuards(SignedInGuard, ActionGuard));

const SCOPE = 'honnin:scope';

/** `Authorization: ApiKey <key>` holding the scope, else UNAUTHENTICATED / FORBIDDEN. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly identity: Identity,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = httpRequestOf(context);
    const scope = this.reflector.get<ApiKeyScope>(SCOPE, context.getHandler());
    req.admin = await this.identity.admin.authenticate(credentialOf(req, 'ApiKey'), scope, requestContextOf(req));
    return true;
  }
}

export const RequiresScope = (scope: ApiKeyScope) => applyDecorators(SetMetadata(SCOPE, scope), UseGuards(ApiKeyGuard));
