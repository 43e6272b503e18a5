/**
 * The class dashboard (OUT/index.html) in a real browser — Debian's chromium driven by
 * playwright-core, as the docs site's test does — opened from disk, on a class made of results
 * written here (no grading: the page is what is tested): a learner done, one half way, one who
 * borrowed etcd, one whose submission could not be read, and one with a tampered test file. It must
 * show each as such, warn about the last two first, need no request beyond the file, and fit a
 * projector's 1280×720 without sideways scrolling.
 *
 * Without chromium it says so in one passing test, except in CI (CI set), where that fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GradeResults, GradedKata, GradedTest, KataState } from '../lib/grading.ts';
import { writeClass, type ClassKata, type ClassLearner } from '../lib/class.ts';
import { ROOT } from '../lib/targets.ts';

const CHROMIUM = process.env.KATA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = !!process.env.CI && !/^(false|0)$/i.test(process.env.CI);
const SCREENSHOTS = resolve(process.env.KATA_SCREENSHOTS ?? join(ROOT, '.kubekata', 'screenshots'));

const KATAS: ClassKata[] = [
  { number: '01', title: 'Key-value basics', component: 'etcd', points: 10 },
  { number: '02', title: 'MVCC revisions', component: 'etcd', points: 15 },
  { number: '12', title: 'Fit', component: 'scheduler', points: 15 },
];

/** A learner's results.json: each kata's state and how many of its 4 tests pass. */
function resultsOf(states: Record<string, [KataState, number]>, extra: Partial<GradeResults> = {}): GradeResults {
  const katas: GradedKata[] = KATAS.map((k) => {
    const [state, passed] = states[k.number]!;
    const tests: GradedTest[] =
      state === 'borrowed'
        ? []
        : [0, 1, 2, 3].map((i) => ({
            name: `test ${i + 1} of kata ${k.number}`,
            status: i < passed ? 'pass' : 'fail',
            message: i < passed ? null : state === 'not-started' ? `kata ${k.number} is not implemented yet: Store.put` : `expected ${i} to be ${i + 1}`,
            output: null,
            test_code: '',
            task_id: Number(k.number),
            kata: k.number,
            file: `test/${k.component}/${k.number}.test.ts`,
            pass_rate: i < passed ? 1 : 0,
            score: i < passed ? k.points / 4 : 0,
            max_score: k.points / 4,
          }));
    const score = state === 'borrowed' ? 0 : (k.points * passed) / 4;
    return { kata: k.number, title: k.title, component: k.component, file: `test/${k.component}/${k.number}.test.ts`, state, sha256: 'x', tampered: false, tampering: [], hints: k.number === '02' ? 2 : 0, passed, total: tests.length, score, max_score: k.points, tests };
  });
  return {
    version: 3,
    status: 'fail',
    message: null,
    seed: 1,
    seeds: 1,
    target: 'katas',
    borrowed: katas.filter((k) => k.state === 'borrowed').map((k) => k.component).filter((c, i, a) => a.indexOf(c) === i),
    score: katas.reduce((n, k) => n + k.score, 0),
    max_score: 40,
    hints: katas.reduce((n, k) => n + k.hints, 0),
    tampered_tests: [],
    tampered_code: [],
    review: [],
    katas: katas.map(({ tests: _t, ...rest }) => rest),
    tests: katas.flatMap((k) => k.tests),
    changed_files: [],
    ...extra,
  };
}

function makeClass(): string {
  const out = mkdtempSync(join(tmpdir(), 'kubekata-dashboard-'));
  const learners: [string, GradeResults | undefined, string | null][] = [
    ['ada', resultsOf({ '01': ['done', 4], '02': ['done', 4], '12': ['done', 4] }), null],
    ['brook', resultsOf({ '01': ['done', 4], '02': ['partial', 2], '12': ['not-started', 0] }), null],
    ['chen', resultsOf({ '01': ['borrowed', 0], '02': ['borrowed', 0], '12': ['partial', 1] }), null],
    ['dara', undefined, 'no katas folder (with etcd/scheduler inside) was found in it; it holds: notes.txt'],
    ['emil', resultsOf({ '01': ['done', 4], '02': ['failing', 0], '12': ['not-started', 0] }, { tampered_tests: ['test/etcd/02.test.ts'] }), null],
  ];
  const rows: ClassLearner[] = learners.map(([learner, r, problem]) => {
    if (r) {
      mkdirSync(join(out, learner));
      writeFileSync(join(out, learner, 'results.json'), JSON.stringify(r));
    }
    return { learner, folder: learner, submission: r ? `${learner}/katas` : null, problem, submitted_at: '2026-11-20T10:15:00Z', score: r?.score ?? 0, max_score: 40 };
  });
  writeClass(out, KATAS, rows, 10);
  return out;
}

if (!haveChromium && !inCI) {
  describe('the class dashboard in a browser (chromium)', () => {
    it(`is skipped: no chromium at ${CHROMIUM} (install it, or set KATA_CHROMIUM); in CI it is required`, () => {
      console.warn('[grade-dashboard] SKIPPED: no chromium');
    });
  });
} else {
  describe('the class dashboard in a browser (chromium)', () => {
    let out: string;
    let browser: Browser;
    let page: Page;
    const outside: string[] = [];

    beforeAll(async () => {
      if (!haveChromium) throw new Error(`CI is set but there is no chromium at ${CHROMIUM}: .ci/run must install it.`);
      out = makeClass();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const fromDisk = pathToFileURL(out).href;
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(fromDisk) || url.startsWith('data:') || url === 'about:blank') return route.continue();
        outside.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it('shows every learner × kata as a heat map: points, partial, borrowed, not started, unreadable', async () => {
      expect(await page.locator('table.heat tbody tr').count()).toBe(5);
      expect(await page.locator('table.heat td.cell').count()).toBe(15);
      const cell = (learner: string, kata: string) => page.locator(`tr[data-learner="${learner}"] td[data-kata="${kata}"]`);
      expect(await cell('ada', '12').getAttribute('data-state')).toBe('done');
      expect(await cell('ada', '12').textContent()).toBe('15');
      expect(await cell('brook', '02').getAttribute('data-state')).toBe('partial');
      expect(await cell('brook', '02').textContent()).toBe('7.5');
      expect(await cell('brook', '12').getAttribute('data-state')).toBe('not-started');
      expect(await cell('chen', '01').textContent()).toBe('B');
      expect(await cell('chen', '01').getAttribute('title')).toContain('borrowed');
      expect(await cell('dara', '01').getAttribute('data-state')).toBe('unreadable');
    });

    it('warns first, in red, about the submission it could not read, the tampered test file and who is below the minimum', async () => {
      const alerts = page.locator('section.alerts[role="alert"]');
      await expect.poll(() => alerts.isVisible()).toBe(true);
      const text = (await alerts.textContent()) ?? '';
      expect(text).toContain('dara');
      expect(text).toContain('could not be read');
      expect(text).toContain('emil');
      expect(text).toContain('tampered test files');
      expect(text).toMatch(/Below the minimum score 10: .*chen/);
      const box = await alerts.boundingBox();
      expect(box!.y).toBeLessThan(300); // above the heat map, on the first screen
    });

    it('gives each kata its pass rate and hints used, and the tests most learners fail with their message', async () => {
      expect(await page.locator('tr[data-kata-row="01"]').textContent()).toContain('3/3 (100%)');
      expect(await page.locator('tr[data-kata-row="02"]').textContent()).toContain('1/3 (33%)');
      expect(await page.locator('tr[data-kata-row="02"]').textContent()).toContain('8 (4 learners)');
      const failing = (await page.locator('table.failing').textContent()) ?? '';
      expect(failing).toContain('test 4 of kata 02');
      expect(failing).toContain('expected 3 to be 4');
      expect(failing).not.toContain('not implemented yet'); // katas not started are not "failing"
    });

    it('needs nothing but the file, and fits a projector without sideways scrolling', async () => {
      expect(outside).toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      mkdirSync(SCREENSHOTS, { recursive: true });
      const png = await page.screenshot({ path: join(SCREENSHOTS, 'class-dashboard.png') });
      expect(png.length).toBeGreaterThan(20_000); // a blank 1280×720 page is a few kilobytes
    });
  });
}
