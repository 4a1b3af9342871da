/**
 * GSM 03.38 default alphabet (3GPP TS 23.038 6.2.1), in code order; 0x1B is the escape to the
 * extension table, so it is no character of its own.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ' +
  'ÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each of these is sent as ESC + char, two septets. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const GSM7_BASIC_SET = new Set(GSM7_BASIC);
const GSM7_EXTENSION_SET = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  readonly encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  readonly units: number;
  readonly segments: number;
}

const LIMITS: Record<SmsEncoding, { single: number; multipart: number }> = {
  // A concatenated message spends 6 bytes per segment on the user data header.
  'GSM-7': { single: 160, multipart: 153 },
  'UCS-2': { single: 70, multipart: 67 },
};

/**
 * The encoding a message needs and how many segments it is billed as. Text wholly in the GSM 03.38
 * alphabet goes as GSM-7 (extension characters cost two septets); anything else forces UCS-2 for
 * the whole message. When split, an escape pair or a surrogate pair is never cut across two
 * segments, as senders do, which can cost a segment more than units / 153 (or / 67).
 */
export function countSegments(text: string): SegmentCount {
  const characters = Array.from(text);
  const gsm7 = characters.every((c) => GSM7_BASIC_SET.has(c) || GSM7_EXTENSION_SET.has(c));
  const encoding: SmsEncoding = gsm7 ? 'GSM-7' : 'UCS-2';
  const sizes = characters.map((c) => (gsm7 ? (GSM7_EXTENSION_SET.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((sum, size) => sum + size, 0);
  const { single, multipart } = LIMITS[encoding];
  if (units <= single) {
    return { encoding, units, segments: 1 };
  }
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multipart) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments };
}
