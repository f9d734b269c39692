import { Inject, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DatabaseWiringError } from '../errors/database-wiring.error';
import { TransactionManager } from './transaction.manager';

/** The application's manager, injected (optional) into each instance Nest builds of a class with `@Transactional()` methods. */
const MANAGER = Symbol('TransactionalManager');
/** The instance's ModuleRef: present on every instance Nest builds, so its absence tells a hand-built object. */
const MODULE_REF = Symbol('TransactionalModuleRef');
/** The class's own `@Transactional()` methods, as `Class.method()`, for the startup error. */
const METHODS = Symbol('TransactionalMethods');

type Wired = Record<symbol, unknown> & { onModuleInit?: (...args: unknown[]) => unknown };

/** @internal The manager Nest injected into `instance`, when it built it in an application with the module. */
export function injectedManager(instance: unknown): TransactionManager | undefined {
  return (instance as Wired | null | undefined)?.[MANAGER] as TransactionManager | undefined;
}

function hasDataSource(moduleRef: ModuleRef): boolean {
  try {
    return moduleRef.get(getDataSourceToken(), { strict: false }) !== undefined;
  } catch {
    return false;
  }
}

/**
 * @internal Makes Nest inject the TransactionManager into instances of the class whose prototype
 * is `prototype`, and check at `onModuleInit` (wrapping the class's own) that there was one to
 * inject: an application without `DatabaseModule.forRoot*` fails at startup, naming `method`.
 */
export function wireTransactional(prototype: object, method: string): void {
  const target = prototype as Wired;
  if (Object.prototype.hasOwnProperty.call(target, METHODS)) {
    (target[METHODS] as string[]).push(method);
    return;
  }
  const methods = [method];
  Object.defineProperty(target, METHODS, { value: methods });
  Inject(ModuleRef)(target, MODULE_REF);
  Inject(TransactionManager)(target, MANAGER);
  Optional()(target, MANAGER);
  const own = target.onModuleInit;
  Object.defineProperty(target, 'onModuleInit', {
    configurable: true,
    writable: true,
    value: function onModuleInit(this: Wired, ...args: unknown[]) {
      const moduleRef = this[MODULE_REF] as ModuleRef | undefined;
      // Without a ModuleRef, Nest did not build this instance (a factory did): the call-time check applies.
      if (moduleRef && !this[MANAGER]) throw DatabaseWiringError.transactional(methods, hasDataSource(moduleRef));
      return own?.apply(this, args);
    },
  });
}
