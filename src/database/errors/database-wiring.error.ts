const FIX = "DatabaseModule.forRoot() or DatabaseModule.forRootAsync() in the application's root module";

/** What the application registered instead, for the message. */
function found(dataSourceFound: boolean): string {
  return dataSourceFound
    ? 'found TypeOrmModule.forRoot without it: DatabaseModule.forRoot*() replaces it, with the same PostgreSQL options'
    : 'found no DataSource: DatabaseModule.forFeature() only registers repositories';
}

/**
 * A part of the module used in an application that does not register `DatabaseModule.forRoot*`.
 * Thrown at startup (module initialisation), naming what needs it and the fix.
 */
export class DatabaseWiringError extends Error {
  override readonly name = 'DatabaseWiringError';

  /** `RepositoryService(User)`, from `DatabaseModule.forFeature`, without `DatabaseModule.forRoot*`. */
  static repositoryService(entity: string, dataSourceFound: boolean): DatabaseWiringError {
    return new DatabaseWiringError(`RepositoryService(${entity}) needs ${FIX} (${found(dataSourceFound)})`);
  }

  /** TypeORM's `Repository<User>`, from `DatabaseModule.forFeature`, with no DataSource at all. */
  static repository(entity: string): DatabaseWiringError {
    return new DatabaseWiringError(`Repository<${entity}> (DatabaseModule.forFeature) needs ${FIX} (${found(false)})`);
  }

  /** Methods of a provider or controller (`UsersService.transfer()`) that use `@Transactional()`, without the module. */
  static transactional(methods: readonly string[], dataSourceFound: boolean): DatabaseWiringError {
    const uses = methods.length === 1 ? 'uses' : 'use';
    return new DatabaseWiringError(
      `${methods.join(', ')} ${uses} @Transactional(), which needs ${FIX} ` +
        `(${dataSourceFound ? found(true) : 'found no DataSource'})`,
    );
  }

  /** A `@Transactional()` method called on an object Nest did not build, with no application of the module running. */
  static transactionalCall(method: string): DatabaseWiringError {
    return new DatabaseWiringError(
      `${method} uses @Transactional(), which needs ${FIX}; no application with it is running ` +
        "(an object Nest did not build uses the running application's transactions)",
    );
  }
}
