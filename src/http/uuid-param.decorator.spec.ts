import { ParseUUIDPipe } from '@nestjs/common';
import { isUUID } from 'class-validator';
import fc from 'fast-check';
import { UUID_PATTERN } from './uuid-param.decorator';

const documented = new RegExp(UUID_PATTERN);
const pipe = new ParseUUIDPipe();
const pipeAccepts = (value: string) =>
  pipe.transform(value, { type: 'param' }).then(
    () => true,
    () => false,
  );

/** uuid-shaped text: any hex digits (so every version and variant nibble), any case, sometimes nil or max. */
const uuidShaped = fc.oneof(
  fc
    .tuple(
      fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] }),
      fc.constantFrom(...'0123456789abcdef'),
      fc.boolean(),
    )
    .map(([u, variant, upper]) => {
      const text = `${u.slice(0, 19)}${variant}${u.slice(20)}`;
      return upper ? text.toUpperCase() : text;
    }),
  fc.constantFrom(
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    '00000000-0000-0000-0000-000000000001',
    '00000000-0000-0000-0000-00000000000',
    '{00000000-0000-4000-8000-000000000000}',
    '000000000000400080000000000000000',
  ),
  fc.string({ maxLength: 40 }),
);

describe('UUID_PATTERN (the OpenAPI pattern of ids)', () => {
  it('accepts exactly what ParseUUIDPipe and IsUUID("all") accept', async () => {
    await fc.assert(
      fc.asyncProperty(uuidShaped, async (value) => {
        const server = await pipeAccepts(value);
        expect([value, documented.test(value)]).toEqual([value, server]);
        expect([value, isUUID(value, 'all')]).toEqual([value, server]);
      }),
      { seed: 20_261_202, numRuns: 2_000 },
    );
  });

  it.each([
    ['123e4567-e89b-42d3-a456-426614174000', true], // v4
    ['01890a5d-ac96-774b-bcce-b302099a8057', true], // v7
    ['123e4567-e89b-02d3-a456-426614174000', false], // version 0
    ['123e4567-e89b-92d3-a456-426614174000', false], // version 9
    ['123e4567-e89b-42d3-c456-426614174000', false], // variant C (Microsoft)
    ['123e4567-e89b-42d3-7456-426614174000', false], // variant 0-7 (NCS)
  ])('%s → %s', (value, accepted) => {
    expect(documented.test(value)).toBe(accepted);
  });
});
