/**
 * A learner whose code does not compile is read and scored (0 for every kata that imports the
 * file), and the instructor is told where: `compileErrors` finds the place in the transform
 * errors the tests failed with, once per place; the class summary, the dashboard and the
 * terminal's warning all use it. Here, on the messages esbuild and oxc write.
 */
import { describe, expect, it } from 'vitest';
import { compileErrors } from '../lib/class.ts';
import type { GradeResults } from '../lib/grading.ts';

const failed = (message: string) => ({ name: "the kata's test file loads and runs", status: 'error', message });
const results = (...tests: ReturnType<typeof failed>[]) => ({ tests }) as unknown as GradeResults;

describe('compileErrors', () => {
  it("names the file, line and column of oxc's parse error once, however many katas import the file", () => {
    const oxc = 'Transform failed with 1 error:\n\n[PARSE_ERROR] Unexpected token\n    ╭─[ katas/etcd/keys.ts:72:24 ]\n    │\n 72 │ export const broken = {;\n';
    expect(compileErrors(results(failed(oxc), failed(oxc)))).toEqual(['katas/etcd/keys.ts:72:24 [PARSE_ERROR] Unexpected token']);
  });

  it("reads esbuild's form of the error too, and finds nothing in a submission that compiles", () => {
    const esbuild = 'Transform failed with 1 error:\nkatas/etcd/keys.ts:111:27: ERROR: Expected "}" but found ";"';
    expect(compileErrors(results(failed(esbuild)))).toEqual(['katas/etcd/keys.ts:111:27 Expected "}" but found ";"']);
    expect(compileErrors(results(failed('expected 1 to be 2')))).toEqual([]);
    expect(compileErrors(undefined)).toEqual([]);
  });
});
