// Our own signature scheme, used on messages we post to a WEBHOOK provider and on the receipts it posts
// back: `x-honnin-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../shared/provider-http.util';

export const HONNIN_SIGNATURE_HEADER = 'x-honnin-signature';
/** Receipts signed longer ago (or further in the future) than this are refused as replays. */
export const HONNIN_SIGNATURE_TOLERANCE_SECONDS = 300;

export function honninSignatureDigest(secret: string, unixSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
}

export function honninSignatureHeader(secret: string, unixSeconds: number, rawBody: string): string {
  return `t=${unixSeconds},v1=${honninSignatureDigest(secret, unixSeconds, rawBody)}`;
}

/**
 * True when the header carries a fresh timestamp and a `v1` matching the body. Several `v1` entries
 * are allowed so a sender can sign with an old and a new secret while rotating.
 */
export function verifyHonninSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceSeconds = HONNIN_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (!header || !secret) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return false;
  const expected = honninSignatureDigest(secret, timestamp, rawBody);
  return signatures.map((signature) => constantTimeEqual(signature, expected)).some(Boolean);
}
