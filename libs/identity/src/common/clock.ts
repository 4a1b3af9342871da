/** Time and randomness as injectables, so tests control them. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** Who is asking: the tenant they name and where the request came from (for audit and limits). */
export interface RequestContext {
  tenantSlug: string | null;
  ip: string | null;
  userAgent: string | null;
}
