import { isJsonObject, own } from './field-checks';
import type { FieldError } from './policy.types';

/** Remembers the first holder of each name and priority; judged on raw entries so repeats surface alongside other errors. */
export class DuplicatePolicyTracker {
  private readonly names = new Map<string, number>();
  private readonly priorities = new Map<number, string>();

  check(entry: unknown, i: number): FieldError[] {
    if (!isJsonObject(entry)) {
      return [];
    }
    const errors: FieldError[] = [];
    const name = own(entry, 'name');
    const priority = own(entry, 'priority');
    if (typeof name === 'string' && name.trim() !== '') {
      const first = this.names.get(name);
      if (first === undefined) {
        this.names.set(name, i);
      } else {
        errors.push({
          field: `auth_policies[${i}].name`,
          message: `name "${name}" is already used by auth_policies[${first}]`,
        });
      }
    }
    if (typeof priority === 'number' && Number.isSafeInteger(priority)) {
      const holder = this.priorities.get(priority);
      if (holder === undefined) {
        this.priorities.set(priority, typeof name === 'string' ? name : `auth_policies[${i}]`);
      } else {
        errors.push({
          field: `auth_policies[${i}].priority`,
          message: `priority ${priority} is already used by policy "${holder}"`,
        });
      }
    }
    return errors;
  }
}
