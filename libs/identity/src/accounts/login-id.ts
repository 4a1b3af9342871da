/** Login ids compare equal after trimming, NFKC and case folding, so "Ａlice@Example.com " is "alice@example.com". */
export function normaliseLoginId(loginId: string): string {
  return loginId.trim().normalize('NFKC').toLowerCase().normalize('NFKC');
}
