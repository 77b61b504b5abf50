/**
 * Hostile inputs for the fuzz properties: what a provider, a proxy or an attacker could put in a webhook field.
 * Weighted towards the shapes that break parsers (empty, whitespace, NUL, lone surrogates, RTL marks, `*` and `#`
 * of USSD, very long values, arrays where a string is expected), with plenty of plausible values mixed in so the
 * properties also reach the code behind the schemas.
 */
import fc from 'fast-check';

const specials = fc.constantFrom(
  '',
  ' ',
  '\t\n',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200d',
  '\ufeff',
  '*',
  '**',
  '#',
  '*#*',
  '%',
  '%00',
  '+',
  '00',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '😀👍🏽',
  'é',
  'ሰላም',
  '1*2*3',
  '0',
  '9',
);

/** Any text, from plain ASCII to lone surrogates, with special values and the occasional very long one. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 3, arbitrary: specials },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.array(specials, { maxLength: 8 }).map((a) => a.join('')) },
);

/** Phone numbers as providers send them (and as they should not). */
export const phoneish: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 99_999_999 }).map((n) => `+2547${String(n).padStart(8, '0')}`),
  fc.integer({ min: 0, max: 99_999_999 }).map((n) => `07${String(n).padStart(8, '0')}`),
  fc.integer({ min: 0, max: 99_999_999 }).map((n) => `2547${String(n).padStart(8, '0')}`),
  fc.integer({ min: 0, max: 99_999_999 }).map((n) => `whatsapp:+2547${String(n).padStart(8, '0')}`),
  fc.integer({ min: 0, max: 999_999_999 }).map((n) => `00234${String(n).padStart(9, '0')}`),
  fc.constantFrom('+15005550006', '+447700900123', '+33612345678', '+255754123456', '+1', '+', '+0000000000', '12'),
  fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/),
  hostileText,
);

/** A form field as express.urlencoded may hand it over: usually text, sometimes repeated (an array). */
const formValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  { weight: 3, arbitrary: phoneish },
  { weight: 1, arbitrary: fc.array(fc.string(), { minLength: 2, maxLength: 3 }) },
);

/** Any JSON-ish value, for bodies that should be objects. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, true, [], {}, '', 'x'),
);

/** A body with the given fields each present or missing (sometimes of the wrong type) plus stray ones. */
export function formBody(
  fields: string[],
  value: fc.Arbitrary<unknown> = formValue,
): fc.Arbitrary<Record<string, unknown>> {
  const wrongType = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  );
  return fc
    .tuple(
      fc.record(
        Object.fromEntries(
          fields.map((f) => [f, fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: wrongType })]),
        ),
        { requiredKeys: [] },
      ),
      fc.dictionary(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
        formValue,
        {
          maxKeys: 3,
        },
      ),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}

/** E.164 with a leading `+`, as the message model promises. */
export const E164 = /^\+[1-9]\d{6,14}$/;
