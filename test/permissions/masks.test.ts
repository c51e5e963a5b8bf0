import fc from 'fast-check';
import {
  applyMask,
  MASKS,
  maskAddress,
  maskBirthDate,
  maskCard,
  maskCardLast4,
  maskEmail,
  maskFreeText,
  maskIdNumber,
  maskMoney,
  maskName,
  maskPhone,
  type MaskStrategy,
} from '../../permissions/masks';

/** Length in code points (what a UI shows), not UTF-16 units. */
const lengthOf = (value: string): number => [...value].length;

const STRATEGIES = Object.keys(MASKS) as MaskStrategy[];

describe('Masking strategies', () => {
  describe('maskIdNumber', () => {
    it('masks an ID number to region code and last 4: 110***********002X', () => {
      expect(maskIdNumber('11010519491231002X')).toBe('110***********002X');
    });

    it.each([
      ['11010519491231002X', '110***********002X'],
      ['440305198802290017', '440***********0017'],
      ['11010519491231002x', '110***********002x'],
    ])('masks %s to %s and keeps the length', (id, expected) => {
      const masked = maskIdNumber(id);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(id));
    });
  });

  describe('maskCard (PCI DSS: first 6 + last 4)', () => {
    it.each([
      ['a 16-digit card', '6222021234561234', '622202******1234'],
      ['a 19-digit card', '6222021234567890123', '622202*********0123'],
      ['a 13-digit card', '4111111111111', '411111***1111'],
    ])('masks %s: %s → %s and keeps the length', (_label, card, expected) => {
      const masked = maskCard(card);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(card));
    });

    it('ignores spaces in a grouped card number: 6222 0212 3456 1234 → 622202******1234', () => {
      expect(maskCard('6222 0212 3456 1234')).toBe('622202******1234');
    });

    it('keeps only the last 4 of an account number shorter than a card: 123456789012 → ********9012', () => {
      expect(maskCard('123456789012')).toBe('********9012');
    });
  });

  describe('maskCardLast4 (partners)', () => {
    it.each([
      ['6222021234561234', '************1234'],
      ['6222021234567890123', '***************0123'],
    ])('masks %s to last 4 only: %s', (card, expected) => {
      const masked = maskCardLast4(card);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(card));
    });
  });

  describe('maskPhone', () => {
    it.each([
      ['13812345678', '138****5678'],
      ['19900001111', '199****1111'],
    ])('masks the mobile %s to first 3 + last 4: %s', (phone, expected) => {
      const masked = maskPhone(phone);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(phone));
    });

    it('keeps only the last 4 of a number that is not a mobile: 02112345678 → *******5678', () => {
      expect(maskPhone('02112345678')).toBe('*******5678');
    });

    it('discloses nothing beyond head and tail when the middle equals the tail: 13812341234 → 138****1234', () => {
      expect(maskPhone('13812341234')).toBe('138****1234');
    });
  });

  describe('maskEmail', () => {
    it.each([
      ['zhang.san@example.com', 'z***@example.com'],
      ['li@bank.com.cn', 'l***@bank.com.cn'],
      ['finance1@example.com', 'f***@example.com'],
    ])('masks %s to first letter + domain: %s', (email, expected) => {
      expect(maskEmail(email)).toBe(expected);
    });

    it.each([['no-at-sign'], ['@example.com']])('stars a value without a mailbox (%s) whole', (value) => {
      expect(maskEmail(value)).toBe('*'.repeat(lengthOf(value)));
    });
  });

  describe('maskName', () => {
    it.each([
      ['张三', '张*'],
      ['张三丰', '张**'],
      ['欧阳娜娜', '欧***'],
      ['Zhang San', 'Z********'],
    ])('keeps the surname of %s: %s, same length', (name, expected) => {
      const masked = maskName(name);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(name));
    });
  });

  describe('maskAddress', () => {
    it.each([
      ['a province address', '浙江省杭州市西湖区文三路123号', '浙江省杭州市**********'],
      ['a municipality (上海)', '上海市黄浦区南京东路1号', '上海市*********'],
      ['a municipality (北京)', '北京市朝阳区建国路88号', '北京市*********'],
      ['an autonomous region', '广西壮族自治区南宁市青秀区民族大道100号', '广西壮族自治区南宁市***********'],
    ])('masks %s to province + city, stars to the same length: %s → %s', (_label, address, expected) => {
      const masked = maskAddress(address);
      expect(masked).toBe(expected);
      expect(lengthOf(masked)).toBe(lengthOf(address));
    });

    it('stars an address without a province or city whole: 西湖区文三路123号 → **********', () => {
      expect(maskAddress('西湖区文三路123号')).toBe('**********');
    });
  });

  describe('maskBirthDate', () => {
    it('keeps only the year: 1985-03-12 → 1985-**-**', () => {
      expect(maskBirthDate('1985-03-12')).toBe('1985-**-**');
    });

    it('stars a value that is not an ISO date whole: 12/03/1985 → **********', () => {
      expect(maskBirthDate('12/03/1985')).toBe('**********');
    });
  });

  describe('maskMoney', () => {
    it.each([
      ['0.00', '0-10000'],
      ['9999.99', '0-10000'],
      ['10000', '10000-50000'],
      ['60000.50', '50000-100000'],
      ['250000.00', '100000-500000'],
      ['500000', '500000-1000000'],
      ['3000000', '1000000-5000000'],
      ['9999999.99', '5000000-10000000'],
      ['10000000', '10000000+'],
      ['12000000', '10000000+'],
      ['-5', '<0'],
      ['not a number', '*'],
    ])('puts %s in the bucket %s', (amount, expected) => {
      expect(maskMoney(amount)).toBe(expected);
    });
  });

  describe('maskFreeText', () => {
    it.each([
      [
        'a Chinese note with an ID, a mobile, two cards and an e-mail',
        '客户身份证11010519491231002X，手机13812345678，卡号6222021234561234，另一张卡6222021234567890123，邮箱zhang.san@example.com，请核实。',
        '客户身份证110***********002X，手机138****5678，卡号622*********1234，另一张卡622************0123，邮箱z***@example.com，请核实。',
      ],
      [
        'an English note',
        'ID 11010519491231002X phone 13812345678, mail li@bank.com.cn.',
        'ID 110***********002X phone 138****5678, mail l***@bank.com.cn.',
      ],
      ['text without numbers', '客户来电咨询理财产品，已解答。', '客户来电咨询理财产品，已解答。'],
      ['text with only short numbers', '订单金额 5000 元，共 3 笔，2024-05-01 办理。', '订单金额 5000 元，共 3 笔，2024-05-01 办理。'],
      ['an empty string', '', ''],
      ['a phone written with dashes', '客户电话138-1234-5678', '客户电话138-****-5678'],
      ['a card written in groups, first 3 + last 4 (free text shows at most 7 digits)', '卡号6222 0212 3456 1234 已冻结', '卡号622* **** **** 1234 已冻结'],
      ['numbers right after Latin letters', 'tel13812345678 ID11010519491231002X', 'tel138****5678 ID110***********002X'],
      ['a mobile with the +86 prefix, masked as a phone', '+8613812345678', '+86138****5678'],
    ])('masks %s in place, the rest unchanged', (_label, text, expected) => {
      expect(maskFreeText(text)).toBe(expected);
    });
  });

  describe('applyMask', () => {
    it.each(STRATEGIES)('passes null and undefined through as null (%s)', (strategy) => {
      expect(applyMask(strategy, null)).toBeNull();
      expect(applyMask(strategy, undefined)).toBeNull();
    });

    it.each<[MaskStrategy, number, string]>([
      ['phone', 13812345678, '138****5678'],
      ['card', 6222021234561234, '622202******1234'],
      ['cardLast4', 6222021234561234, '************1234'],
      ['moneyBucket', 250000, '100000-500000'],
      ['moneyBucket', 0, '0-10000'],
      ['moneyBucket', 12000000, '10000000+'],
    ])('masks a number as text: %s(%d) → %s', (strategy, value, expected) => {
      expect(applyMask(strategy, value)).toBe(expected);
    });

    it.each<[MaskStrategy, string, string]>([
      ['idNumber', '11010519491231002X', '110***********002X'],
      ['card', '6222021234561234', '622202******1234'],
      ['cardLast4', '6222021234567890123', '***************0123'],
      ['phone', '13812345678', '138****5678'],
      ['email', 'zhang.san@example.com', 'z***@example.com'],
      ['name', '张三丰', '张**'],
      ['address', '上海市黄浦区南京东路1号', '上海市*********'],
      ['birthYear', '1985-03-12', '1985-**-**'],
      ['moneyBucket', '250000.00', '100000-500000'],
      ['freeText', '手机13812345678', '手机138****5678'],
    ])('applies %s to a string: %s → %s', (strategy, value, expected) => {
      expect(applyMask(strategy, value)).toBe(expected);
    });
  });

  describe('short values are starred whole, never returned clear', () => {
    it.each<[string, string, string, (value: string) => string]>([
      ['maskPhone', '110', '***', maskPhone],
      ['maskPhone', '1234', '****', maskPhone],
      ['maskIdNumber', '1101052', '*******', maskIdNumber],
      ['maskCard', '1234', '****', maskCard],
      ['maskCardLast4', '123', '***', maskCardLast4],
      ['maskName', '张', '*', maskName],
      ['maskEmail', 'abc', '***', maskEmail],
      ['maskBirthDate', '85', '**', maskBirthDate],
      ['maskAddress', '某处', '**', maskAddress],
      ['maskMoney', 'n/a', '*', maskMoney],
    ])('%s(%s) → %s', (_name, value, expected, mask) => {
      const masked = mask(value);
      expect(masked).toBe(expected);
      expect(masked).toMatch(/^\*+$/);
      expect(masked).not.toContain(value);
    });
  });

  describe('properties', () => {
    const digit = fc.constantFrom(...'0123456789');
    const digits = (minLength: number, maxLength = minLength) => fc.string({ unit: digit, minLength, maxLength });

    /**
     * Shared shape check: same length, exactly `head` clear characters at the start and `tail` at the end,
     * stars in between, and the middle run can only show up where it already is in the clear head or tail.
     */
    function expectKeepsEnds(original: string, masked: string, head: number, tail: number): void {
      const len = lengthOf(original);
      expect(lengthOf(masked)).toBe(len);
      expect(masked.slice(0, head)).toBe(original.slice(0, head));
      expect(masked.slice(len - tail)).toBe(original.slice(len - tail));
      expect(masked.slice(head, len - tail)).toBe('*'.repeat(len - head - tail));
      const middle = original.slice(head, len - tail);
      const clearHead = original.slice(0, head);
      const clearTail = original.slice(len - tail);
      expect(masked.includes(middle)).toBe(clearHead.includes(middle) || clearTail.includes(middle));
    }

    it('ID numbers: 18 characters, first 3 and last 4 clear, the 11-character middle never appears', () => {
      const idLike = fc.tuple(digits(17), fc.constantFrom(...'0123456789X')).map(([body, check]) => body + check);
      fc.assert(
        fc.property(idLike, (id) => {
          const masked = maskIdNumber(id);
          expectKeepsEnds(id, masked, 3, 4);
          expect(masked).not.toContain(id.slice(3, 14));
        }),
        { numRuns: 500 },
      );
    });

    it('cards of 16–19 digits: first 6 and last 4 clear, the 6..len-4 middle run never leaks', () => {
      fc.assert(
        fc.property(digits(16, 19), (card) => {
          const masked = maskCard(card);
          expectKeepsEnds(card, masked, 6, 4);
          expect(masked.replace(/\*/g, '')).toBe(card.slice(0, 6) + card.slice(-4));
        }),
        { numRuns: 500 },
      );
    });

    it('mobiles 1[3-9]xxxxxxxxx: 11 characters, first 3 and last 4 clear, the 4-digit middle never leaks', () => {
      const mobile = fc.tuple(fc.constantFrom(...'3456789'), digits(9)).map(([second, rest]) => `1${second}${rest}`);
      fc.assert(
        fc.property(mobile, (phone) => {
          const masked = maskPhone(phone);
          expectKeepsEnds(phone, masked, 3, 4);
          expect(masked.replace(/\*/g, '')).toBe(phone.slice(0, 3) + phone.slice(-4));
        }),
        { numRuns: 500 },
      );
    });
  });
});
