import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Length } from 'class-validator';

@InputType()
export class SignUpInput {
  @Field() @IsString() @Length(1, 254) loginId: string;
  @Field() @IsString() @Length(1, 1024) password: string;
  @Field({ nullable: true, description: 'Starts a phone enrolment; nextStep is then VERIFY_PHONE.' })
  @IsOptional() @IsString() @Length(1, 40) phoneNumber?: string;
}

@InputType()
export class LoginInput {
  @Field() @IsString() @Length(1, 254) loginId: string;
  @Field() @IsString() @Length(1, 1024) password: string;
}

@InputType()
export class ChangePasswordInput {
  @Field() @IsString() @Length(1, 1024) currentPassword: string;
  @Field() @IsString() @Length(1, 1024) newPassword: string;
}
