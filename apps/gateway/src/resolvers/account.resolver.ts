import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Identity, RequestContext, Viewer } from '@honnin/identity';
import { Ctx, CurrentViewer } from '../auth/request-context';
import { RequiresAction, SignedIn } from '../auth/guards';
import { AuthorizationDecisionObject, AuthPayloadObject, ViewerObject } from '../graphql/auth.object';
import { ChangePasswordInput, LoginInput, SignUpInput } from '../graphql/auth.input';
import { AalLevel, AuthorizationReason } from '../graphql/enums';
import { presentSession, presentSignedIn, presentUser } from './presenters';

@Resolver()
export class AccountResolver {
  constructor(private readonly identity: Identity) {}

  @Mutation(() => AuthPayloadObject, { description: 'Creates an account and signs it in at AAL1.' })
  async signUp(@Ctx() context: RequestContext, @Args('input') input: SignUpInput): Promise<AuthPayloadObject> {
    return presentSignedIn(await this.identity.accounts.signUp(context, input));
  }

  @Mutation(() => AuthPayloadObject, { description: 'Password sign-in (AAL1). nextStep says whether a phone proof must follow.' })
  async login(@Ctx() context: RequestContext, @Args('input') input: LoginInput): Promise<AuthPayloadObject> {
    return presentSignedIn(await this.identity.accounts.login(context, input));
  }

  @SignedIn()
  @Mutation(() => Boolean, { description: 'Ends this session on the server.' })
  logout(@CurrentViewer() viewer: Viewer): Promise<boolean> {
    return this.identity.accounts.logout(viewer);
  }

  @SignedIn()
  @Query(() => ViewerObject, { nullable: true, description: 'The signed-in user and session.' })
  me(@CurrentViewer() viewer: Viewer): ViewerObject {
    return { user: presentUser(viewer.user), session: presentSession(viewer) };
  }

  @SignedIn()
  @Query(() => AuthorizationDecisionObject, { description: 'May this session do `action` now, or must it step up?' })
  async authorize(@CurrentViewer() viewer: Viewer, @Args('action') action: string): Promise<AuthorizationDecisionObject> {
    const decision = await this.identity.authorizer.authorize(viewer, action);
    return {
      ...decision,
      reason: decision.reason as AuthorizationReason,
      requiredAal: decision.requiredAal as AalLevel,
      currentAal: decision.currentAal as AalLevel | null,
    };
  }

  @RequiresAction('account.change_password')
  @Mutation(() => Boolean, { description: 'Needs the account.change_password action (AAL2 within 300 s by default).' })
  changePassword(@CurrentViewer() viewer: Viewer, @Args('input') input: ChangePasswordInput): Promise<boolean> {
    return this.identity.accounts.changePassword(viewer, input);
  }
}
