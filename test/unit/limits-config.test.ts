// The controller reads the same PIPEWRIGHT_MAX_* variables as the CLI (config.ts → model/limits.ts).
import { describe, expect, it } from '@jest/globals';
import { configFromEnv } from '../../src/controller/config.js';
import { DEFAULT_LIMITS } from '../../src/model/limits.js';

describe('controller limits', () => {
  it('defaults, and a raised limit from the environment', () => {
    expect(configFromEnv({}).limits).toEqual(DEFAULT_LIMITS);
    expect(configFromEnv({ PIPEWRIGHT_MAX_TASKS: '50000', PIPEWRIGHT_MAX_CEL_NESTING: '2' }).limits).toEqual({ ...DEFAULT_LIMITS, tasks: 50000, celNesting: 2 });
  });

  it('a value that is not a whole number stops the controller at start, naming the variable', () => {
    expect(() => configFromEnv({ PIPEWRIGHT_MAX_LOOP_ITEMS: '1e99' })).toThrow(/PIPEWRIGHT_MAX_LOOP_ITEMS must be a positive whole number/);
  });
});
