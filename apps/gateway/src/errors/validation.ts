import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, IdentityError } from '@honnin/identity';

/** class-validator failures become BAD_USER_INPUT naming every field path. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => IdentityError.badInput(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: message.replace(`${error.property} `, '') }));
    return [...own, ...flatten(error.children ?? [], field)];
  }).slice(0, 50);
}
