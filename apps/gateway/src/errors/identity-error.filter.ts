import { Catch } from '@nestjs/common';
import { GqlExceptionFilter } from '@nestjs/graphql';
import { IdentityError } from '@honnin/identity';

/**
 * Typed domain errors are answers, not faults: handed to Apollo (formatGraphqlError maps them) without
 * Nest's exception handler logging each RATE_LIMITED or INVALID_CODE at error level.
 */
@Catch(IdentityError)
export class IdentityErrorFilter implements GqlExceptionFilter {
  catch(error: IdentityError): IdentityError {
    return error;
  }
}
