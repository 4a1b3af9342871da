import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
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

// A NUL, or half of a surrogate pair: Postgres refuses both in text and jsonb, and neither belongs in a name.
// eslint-disable-next-line no-control-regex -- the NUL is what it looks for
const MALFORMED_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Every string in every argument, at any depth, must be well-formed text: refused here as
 * BAD_USER_INPUT naming the field, before it could fail a statement or reach a log.
 */
@Injectable()
export class WellFormedTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problems: FieldProblem[] = [];
    collectMalformed(value, typeof value === 'string' ? (metadata.data ?? 'value') : '', problems);
    if (problems.length > 0) throw IdentityError.badInput(problems.slice(0, 50));
    return value;
  }
}

function collectMalformed(value: unknown, path: string, problems: FieldProblem[]): void {
  if (typeof value === 'string') {
    if (MALFORMED_TEXT.test(value)) problems.push({ field: path, message: 'contains a NUL or an unpaired surrogate' });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectMalformed(item, `${path}[${i}]`, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collectMalformed(item, path ? `${path}.${key}` : key, problems);
  }
}
