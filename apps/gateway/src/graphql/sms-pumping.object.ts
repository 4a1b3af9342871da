import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('SmsPrefixHold', { description: 'SMS pumping defence: the latest hold of one country calling code for this tenant.' })
export class SmsPrefixHoldObject {
  @Field({ description: 'The country calling code, such as +44.' }) prefix: string;
  @Field() heldAt: Date;
  @Field({ description: 'The hold ends by itself then, unless lifted before.' }) expiresAt: Date;
  @Field(() => Int, { description: 'Sends in the 10-minute bucket that tripped the hold.' }) count: number;
  @Field(() => Int, { description: 'The most sends that bucket could hold: max(prefixBurstMinimum, baseline × prefixBurstFactor).' }) threshold: number;
  @Field(() => Date, { nullable: true, description: 'When an administrator lifted it; the prefix is then not held again for an hour.' }) liftedAt: Date | null;
}
