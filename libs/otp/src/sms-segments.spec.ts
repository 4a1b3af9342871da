import { countSegments } from './sms-segments';

describe('countSegments', () => {
  describe('GSM-7', () => {
    it('fits 160 basic characters in one segment and splits 161 into two', () => {
      expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
      expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    });

    it('puts 153 septets in each part of a longer message', () => {
      expect(countSegments('a'.repeat(306)).segments).toBe(2);
      expect(countSegments('a'.repeat(307)).segments).toBe(3);
    });

    it('accepts the whole GSM 03.38 basic set at one septet each', () => {
      const basic =
        '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
      expect(Array.from(basic)).toHaveLength(127);
      expect(countSegments(basic)).toEqual({ encoding: 'GSM-7', units: 127, segments: 1 });
    });

    it('counts each extension character as two septets', () => {
      expect(countSegments('^{}\\[~]|€\f')).toEqual({ encoding: 'GSM-7', units: 20, segments: 1 });
      expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
      expect(countSegments(`${'€'.repeat(80)}a`)).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    });

    it('never splits an escape pair across segments', () => {
      // 306 septets would make 2 parts of 153, but the € cannot straddle the first boundary.
      expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
    });

    it('counts an empty message as one segment', () => {
      expect(countSegments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 1 });
    });
  });

  describe('UCS-2', () => {
    it('fits 70 code units in one segment and splits 71 into two', () => {
      expect(countSegments('あ'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
      expect(countSegments('あ'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    });

    it('puts 67 code units in each part of a longer message', () => {
      expect(countSegments('あ'.repeat(134)).segments).toBe(2);
      expect(countSegments('あ'.repeat(135)).segments).toBe(3);
    });

    it('switches the whole message to UCS-2 for one character outside the GSM alphabet', () => {
      expect(countSegments(`${'a'.repeat(69)}あ`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
      expect(countSegments(`${'a'.repeat(70)}あ`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    });

    it.each(['ç', '`', '【', '·', '\t'])('treats %p, which GSM-7 lacks, as UCS-2', (character) => {
      expect(countSegments(`code ${character}`).encoding).toBe('UCS-2');
    });

    it('counts an astral character as two code units and never splits the pair', () => {
      expect(countSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
      expect(countSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', units: 72, segments: 2 });
      expect(countSegments(`${'a'.repeat(66)}😀${'a'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
    });
  });
});
