/** @internal Whether `error` says that `name` itself (not one of its own imports) is not installed. */
export function isMissingModule(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  const message = error instanceof Error ? error.message : '';
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}

/**
 * @internal Loads an optional peer dependency by dynamic `import()` (so that installing this
 * package never requires it, and ESM-only packages load from CommonJS), or `undefined` when it is
 * not installed. Any other load failure is thrown.
 */
export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isMissingModule(error, name)) return undefined;
    throw error;
  }
}
