/**
 * The vitest config `npm run mutation` runs the tests with (stryker.config.json): the workbook's
 * own (vitest.config.ts), with test/support/setup.ts (the fixed seed) as its only setup file. The
 * grader's other setup files guard against learner code that tampers with the assertions; the
 * code under test here is the reference solution, mutated, and Stryker adds a setup file of its
 * own that must be able to hook into the test run.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import workbook from '../vitest.config.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export default defineConfig({
  ...workbook,
  root,
  test: { ...workbook.test, setupFiles: [join(root, 'test', 'support', 'setup.ts')] },
});
