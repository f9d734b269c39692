import {
  getMetadataStorage,
  validateSync,
  ValidationArguments,
  ValidationError,
  ValidationTypes,
  ValidatorConstraintInterface,
} from 'class-validator';

/** A rule as class-validator's metadata storage holds it. */
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

/** One class-validator rule of one property, resolved once. */
interface Rule {
  metadata: ValidationMetadata;
  constraints: Array<{ async: boolean; instance: () => ValidatorConstraintInterface }>;
}

/** The rules of one property, split the way class-validator runs them. */
interface PropertyRules {
  property: string;
  /** `@IsOptional()`, `@ValidateIf()`: when one says no, nothing else of the property is checked. */
  conditions: ValidationMetadata[];
  /** `@IsDefined()`: checked even where missing properties are skipped. */
  defined: Rule[];
  custom: Rule[];
}

/** Metadata kinds the compiled check knows how to run exactly as class-validator does. */
const COMPILED = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
]);

const isPromise = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/**
 * @internal An entity's class-validator rules, looked up and grouped once instead of on every row:
 * `validate` answers the same errors as `validateSync(object, options)`, but a valid object (the
 * usual case, and every row of a bulk insert) is accepted by running each rule's own constraint
 * directly, without class-validator's per-call metadata search, grouping and error objects; only
 * an object that fails a rule goes through `validateSync`, for its messages. Entities with rules
 * it does not compile (nested objects, promises, whitelists) always go through `validateSync`.
 */
export class EntityValidator {
  private compiled: PropertyRules[] | null | undefined;

  constructor(private readonly target: Function) {}

  /** The errors of `object` (an instance of the entity), as `validateSync` reports them. */
  validate(object: object, skipMissingProperties: boolean): ValidationError[] {
    const rules = this.rules();
    if (rules && this.accepts(rules, object as Record<string, unknown>, skipMissingProperties)) return [];
    return validateSync(object, { skipMissingProperties, forbidUnknownValues: false });
  }

  /** The compiled rules, or null when the entity uses a kind of rule only `validateSync` runs. */
  private rules(): PropertyRules[] | null {
    if (this.compiled !== undefined) return this.compiled;
    const storage = getMetadataStorage();
    const metadatas = storage.getTargetValidationMetadatas(this.target, '', false, false, undefined);
    const supported = metadatas.every(
      (m) => COMPILED.has(m.type) && (m.type === ValidationTypes.CONDITIONAL_VALIDATION || m.constraintCls),
    );
    if (!supported) return (this.compiled = null);
    const rule = (metadata: ValidationMetadata): Rule => ({
      metadata,
      constraints: storage.getTargetValidatorConstraints(metadata.constraintCls).map((c) => {
        let instance: ValidatorConstraintInterface | undefined;
        return { async: c.async, instance: () => (instance ??= c.instance) };
      }),
    });
    const grouped = storage.groupByPropertyName(metadatas);
    this.compiled = Object.keys(grouped).map((property) => ({
      property,
      conditions: grouped[property].filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION),
      defined: grouped[property].filter((m) => m.type === ValidationTypes.IS_DEFINED).map(rule),
      custom: grouped[property].filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION).map(rule),
    }));
    return this.compiled;
  }

  /** Whether every rule passes, run in class-validator's order and with its skipping rules. */
  private accepts(rules: PropertyRules[], object: Record<string, unknown>, skipMissing: boolean): boolean {
    for (const { property, conditions, defined, custom } of rules) {
      const value = object[property];
      // Missing and skipped, with no `@IsDefined()`: no rule of it could fail, whatever its conditions say.
      if (skipMissing && (value === null || value === undefined) && defined.length === 0) continue;
      let applies = true;
      for (const c of conditions) applies = (c.constraints[0](object, value) as boolean) && applies;
      if (!applies) continue;
      if (!this.passes(defined, object, property, value)) return false;
      if (skipMissing && (value === null || value === undefined)) continue;
      if (!this.passes(custom, object, property, value)) return false;
    }
    return true;
  }

  private passes(rules: Rule[], object: Record<string, unknown>, property: string, value: unknown): boolean {
    for (const { metadata, constraints } of rules) {
      if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
      for (const constraint of constraints) {
        if (constraint.async) continue; // validateSync skips asynchronous constraints
        const args: ValidationArguments = {
          targetName: object.constructor ? object.constructor.name : '',
          property,
          object,
          value,
          constraints: metadata.constraints,
        };
        const instance = constraint.instance();
        const each = metadata.each && (Array.isArray(value) || value instanceof Set || value instanceof Map);
        if (!each) {
          if (!this.holds(instance.validate(value, args))) return false;
          continue;
        }
        const values = value instanceof Map ? [...value.values()] : [...(value as Iterable<unknown>)];
        for (const v of values) if (!this.holds(instance.validate(v, args))) return false;
      }
    }
    return true;
  }

  /** A constraint's answer as `validateSync` takes it: a promise is never awaited there, so it never fails the object. */
  private holds(result: unknown): boolean {
    return Boolean(result) || isPromise(result);
  }
}
