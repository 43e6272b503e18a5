/**
 * The docs build's one kind of failure: a list of problems, each naming the file it is in, so that
 * a broken link or a bad front matter is fixed without guessing. The build collects every problem
 * it can before failing, so one run shows them all.
 */

/** One problem in one file. */
export interface Problem {
  /** the file, relative to the workbook's root ("katas/etcd/01-kv.md") */
  file: string;
  message: string;
}

/** The docs build failed: every problem it found, each with its file. */
export class DocsError extends Error {
  constructor(readonly problems: Problem[]) {
    const lines = problems.map((p) => `  ${p.file}: ${p.message}`);
    super(`The docs build failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'DocsError';
  }
}
