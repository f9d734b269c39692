import { isDateTimeText } from './field.decorators';

describe('isDateTimeText (DateTimeField)', () => {
  // Regression (issue 20, found by the OpenAPI property test): years 0000-0999 were refused.
  it.each([
    '0001-01-01T00:00:00Z',
    '0099-12-31T23:59:59.999-15:59',
    '0999-06-15T12:00:00+05:30',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (value) => {
    expect(isDateTimeText(value)).toBe(true);
    expect(Number.isNaN(new Date(value).getTime())).toBe(false);
  });

  it.each([
    '2021-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2021-04-31T00:00:00Z',
    '2021-13-01T00:00:00Z',
    '2021-00-10T00:00:00Z',
    '2021-01-00T00:00:00Z',
    '2021-01-01 00:00:00Z',
    '2021-01-01T25:00:00Z',
    'yesterday',
    '',
  ])('refuses %s', (value) => {
    expect(isDateTimeText(value)).toBe(false);
  });
});
