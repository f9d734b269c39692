import { canonicalMigrationSource, isCurrentChecksumFormat, migrationChecksum } from './migration-checksums';

/** A migration class whose `toString()` is exactly `source`, as a compiler would have emitted it. */
function migrationClass(source: string): new () => any {
  return new Function(`return (${source});`)();
}

const ORIGINAL = `class AddNote1800000000000 {
  async up(q) {
    // add the column
    await q.query(\`ALTER TABLE "notes" ADD "body" text\`);
  }
  async down(q) {
    await q.query('ALTER TABLE "notes" DROP COLUMN "body"');
  }
}`;

describe('canonicalMigrationSource', () => {
  it('drops comments and whitespace between code tokens, keeping a space only between two words', () => {
    expect(canonicalMigrationSource('async  up ( q )  {\n  /* c */ return  q ; // trailing\n}')).toBe(
      'async up(q){return q;}',
    );
  });

  it('keeps string and template literals verbatim, comment-like text and whitespace included', () => {
    const source = `q.query('a  // not a comment', "b /* nor this */", \`  SELECT 1\n  -- sql comment\`)`;
    expect(canonicalMigrationSource(source)).toBe(source.replace(/, /g, ','));
  });

  it('treats template substitutions as code, nested templates included', () => {
    expect(canonicalMigrationSource('`a ${ x ? `in  ${ y }` : "z" } b`')).toBe('`a ${x?`in  ${y}`:"z"} b`');
  });

  it('normalises line endings', () => {
    expect(canonicalMigrationSource('`a\r\nb`\r\nx')).toBe(canonicalMigrationSource('`a\nb`\nx'));
  });
});

describe('migrationChecksum', () => {
  const original = migrationChecksum(new (migrationClass(ORIGINAL))());

  it('is the format version and a sha256', () => {
    expect(original).toMatch(/^v1:[0-9a-f]{64}$/);
    expect(isCurrentChecksumFormat(original)).toBe(true);
    expect(isCurrentChecksumFormat('v0:abc')).toBe(false);
  });

  it('ignores comments, indentation and line breaks in the code', () => {
    const reformatted = ORIGINAL.replace('    // add the column\n', '')
      .replace(/\n {2}/g, '\n\t')
      .replace('async down(q) {', 'async down( q ){ /* why */');
    expect(migrationChecksum(new (migrationClass(reformatted))())).toBe(original);
  });

  it.each([
    ['the SQL', ORIGINAL.replace('"body" text', '"body" varchar')],
    ['whitespace inside the SQL', ORIGINAL.replace('ADD "body"', 'ADD  "body"')],
    ['the code', ORIGINAL.replace("await q.query('ALTER", "void q.query('ALTER")],
    ['the transaction opt-out', ORIGINAL.replace('{\n  async up', '{\n  transaction = false;\n  async up')],
  ])('changes with %s', (_what, edited) => {
    expect(migrationChecksum(new (migrationClass(edited))())).not.toBe(original);
  });

  it('covers the methods of a plain-object migration', () => {
    const a = { up: async () => 'a', down: async () => undefined };
    const b = { up: async () => 'b', down: async () => undefined };
    expect(migrationChecksum(a)).not.toBe(migrationChecksum(b));
  });
});
