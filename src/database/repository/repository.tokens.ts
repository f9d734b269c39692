import { Inject } from '@nestjs/common';

const TOKENS = new Map<Function, string>();

/** Injection token of the {@link RepositoryService} of `entity` (to override it in tests). */
export function getRepositoryServiceToken(entity: Function): string {
  let token = TOKENS.get(entity);
  if (!token) {
    token = `RepositoryService<${entity.name}>#${TOKENS.size}`;
    TOKENS.set(entity, token);
  }
  return token;
}

/** Injects the {@link RepositoryService} of `entity` (registered by `DatabaseModule.forFeature`). */
export const InjectRepositoryService = (entity: Function): ParameterDecorator =>
  Inject(getRepositoryServiceToken(entity));

/** Injection token of the shared `RepositoryContext`. */
export const REPOSITORY_CONTEXT = Symbol('REPOSITORY_CONTEXT');
