import os from 'node:os';
import { describe, expect, it } from 'vitest';

describe('test run temporary directory', () => {
  it('every test file writes its temporary files under the run directory the global setup removes', () => {
    expect(os.tmpdir()).toMatch(/dbrollback-tests-/);
  });
});
