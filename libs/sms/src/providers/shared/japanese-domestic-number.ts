/**
 * The domestic 11-digit form Japanese SMS gateways want: +819012345678 -> 09012345678.
 * Undefined for a number outside Japan or one that is not 11 digits at home (landlines have 10 and
 * cannot receive SMS anyway). Shared by the KARADEN and MEDIA_SMS adapters.
 */
export function toJapaneseDomesticNumber(e164: string): string | undefined {
  const match = /^\+81([1-9]\d{9})$/.exec(e164);
  return match ? `0${match[1]}` : undefined;
}
