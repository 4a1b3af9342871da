import { Field, InputType } from '@nestjs/graphql';
import { IsString, Length } from 'class-validator';

@InputType()
export class SignUpInput {
  @Field() @IsString() @Length(1, 254) loginId: string;
  @Field() @IsString() @Length(1, 1024) password: string;
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
