import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Identity, Viewer } from '@honnin/identity';
import { CurrentViewer } from '../auth/request-context';
import { SignedIn } from '../auth/guards';
import { VerifyPayloadObject } from '../graphql/auth.object';
import { StartSmsChallengeInput, VerifySmsChallengeInput } from '../graphql/sms.input';
import { SmsChallengeObject } from '../graphql/sms.object';
import { presentChallenge, presentSession, presentUser } from './presenters';

/** SMS one-time codes: step-up to AAL2 and phone enrolment. Every operation is the signed-in owner's. */
@Resolver()
export class SmsChallengeResolver {
  constructor(private readonly identity: Identity) {}

  @SignedIn()
  @Mutation(() => SmsChallengeObject, { description: 'Sends a code: STEP_UP to the verified phone, ENROLL_PHONE to a new one.' })
  async startSmsChallenge(@CurrentViewer() viewer: Viewer, @Args('input') input: StartSmsChallengeInput): Promise<SmsChallengeObject> {
    return presentChallenge(await this.identity.smsChallenges.start(viewer, input));
  }

  @SignedIn()
  @Mutation(() => SmsChallengeObject, { description: 'A new code; the old one stops working. Attempts are not reset.' })
  async resendSmsChallenge(@CurrentViewer() viewer: Viewer, @Args('challengeId', { type: () => ID }) challengeId: string): Promise<SmsChallengeObject> {
    return presentChallenge(await this.identity.smsChallenges.resend(viewer, challengeId));
  }

  @SignedIn()
  @Mutation(() => VerifyPayloadObject, { description: 'Proves possession of the phone: a new session token at AAL2 replaces this one.' })
  async verifySmsChallenge(@CurrentViewer() viewer: Viewer, @Args('input') input: VerifySmsChallengeInput): Promise<VerifyPayloadObject> {
    const verified = await this.identity.smsChallenges.verify(viewer, input);
    return { sessionToken: verified.token, session: presentSession(verified), user: presentUser(verified.user) };
  }

  @SignedIn()
  @Query(() => SmsChallengeObject, { nullable: true })
  async smsChallenge(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => ID }) id: string): Promise<SmsChallengeObject | null> {
    const challenge = await this.identity.smsChallenges.get(viewer, id);
    return challenge ? presentChallenge(challenge) : null;
  }
}
