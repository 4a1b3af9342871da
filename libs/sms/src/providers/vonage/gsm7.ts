// The GSM 03.38 default alphabet and its extension table: text made only of these characters goes
// as GSM-7; anything else makes the whole message UCS-2 (Vonage `type=unicode`).
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';
const GSM7_CHARACTERS = new Set([...GSM7_BASIC, ...GSM7_EXTENSION]);

export function isGsm7(text: string): boolean {
  return [...text].every((character) => GSM7_CHARACTERS.has(character));
}
