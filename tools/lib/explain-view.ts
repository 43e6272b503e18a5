/**
 * `npm run kata -- explain POD`: why the scheduler put a pod where it did, as tables in the
 * terminal, from the {@link SchedulingExplanation} a scheduler recorded (tools/lib/explain-files.ts).
 *
 * ```
 * default/web  bound to n3
 * cycle 2 · 2026-01-01T00:00:00.000Z · 4 nodes, 3 passed the filters
 *
 * Filter              n1  n2  n3  n4
 * NodeUnschedulable   ✓   ✗   ✓   ✓
 * NodeName            ✓   ·   ✓   ✓
 * ...
 * Score                            n1            n3            n4
 * TaintToleration ×3               0→100→300     0→100→300     1→0→0
 * ...
 * total                            475           475           170
 *
 * Chosen: n3 — 2 nodes tied at 475 (n1, n3): selectHost picked n3 at random, ...
 * ```
 */
import type { NodeFilterExplanation, SchedulingExplanation } from '@kube/scheduler';
import { DEFAULT_EXPLAIN_DIR, ExplanationFiles, explanationFile, parseExplanation } from './explain-files.ts';
import { c } from './report.ts';

/** One table cell: its text, and how to colour it (the width counts the text only). */
interface Cell {
  text: string;
  paint?: (text: string) => string;
}

/** Lines of a table whose columns are as wide as their widest cell. */
function table(rows: Cell[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell.text].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (cell.paint ? cell.paint(cell.text) : cell.text) + (i < row.length - 1 ? ' '.repeat(widths[i]! - [...cell.text].length + gap) : ''))
      .join('')
      .trimEnd(),
  );
}

const FILTER_MARK: Record<string, Cell> = {
  Success: { text: '✓', paint: c.green },
  Unschedulable: { text: '✗', paint: c.red },
  UnschedulableAndUnresolvable: { text: '✗', paint: c.red },
  Error: { text: '!', paint: c.red },
  Skip: { text: 'skip', paint: c.dim },
  NotRun: { text: '·', paint: c.dim },
};

const both = (...paints: ((text: string) => string)[]) => (text: string) => paints.reduce((t, p) => p(t), text);

/** What became of the pod, in a few words. */
function outcomeWords(e: SchedulingExplanation): Cell {
  const { result, nodeName } = e.outcome;
  if (result === 'Bound') return { text: `bound to ${nodeName}`, paint: both(c.green, c.bold) };
  if (result === 'Chosen') return { text: nodeName ? `${nodeName} chosen, binding not reported` : 'no node chosen (a tie a scheduler breaks at random)', paint: c.yellow };
  if (result === 'Unschedulable') return { text: 'unschedulable', paint: c.red };
  return { text: nodeName ? `scheduler error after choosing ${nodeName}` : 'scheduler error', paint: c.red };
}

/** The explanation as the terminal shows it: a heading, the Filter and Score tables, the choice. */
export function renderExplanation(e: SchedulingExplanation): string {
  const lines: string[] = [];
  const outcome = outcomeWords(e);
  const feasible = e.filter.filter((f) => f.feasible).length;
  lines.push(`${c.bold(`${e.pod.namespace}/${e.pod.name}`)}  ${outcome.paint!(outcome.text)}`);
  lines.push(c.dim(`cycle ${e.cycle} · ${e.time} · ${e.numNodes} node${e.numNodes === 1 ? '' : 's'}${e.numNodes ? `, ${feasible} passed the filters` : ''}`));
  if (e.outcome.message) lines.push(e.outcome.message);
  const chosen = e.outcome.nodeName ?? e.selection.nodeName;
  const nodeHeader = (node: string): Cell => (node === chosen ? { text: node, paint: both(c.bold, c.green) } : { text: node });

  if (e.preFilter.length > 0) lines.push('', `PreFilter  ${e.preFilter.map((p) => `${p.plugin} ${mark(p.code).paint!(mark(p.code).text)}`).join('   ')}`);

  if (e.filter.length > 0) {
    lines.push('');
    const header: Cell[] = [{ text: 'Filter', paint: c.bold }, ...e.filter.map((f) => nodeHeader(f.node))];
    const rows = e.profile.filter.map((plugin, i): Cell[] => [{ text: plugin }, ...e.filter.map((f) => (f.evaluated ? mark(f.plugins[i]?.code ?? 'NotRun') : { text: '' }))]);
    lines.push(...table([header, ...rows]));
    const notLooked = e.filter.filter((f) => !f.evaluated && f.status.code === 'Success').length;
    lines.push(c.dim(`✓ passed  ✗ rejected  ! failed  skip: its PreFilter had nothing to check  · not run (an earlier plugin decided)${notLooked ? '  blank: not looked at (enough nodes were feasible)' : ''}`));
    lines.push(...rejections(e.filter));
  }

  if (e.preScore.length > 0) lines.push('', `PreScore   ${e.preScore.map((p) => `${p.plugin} ${mark(p.code).paint!(mark(p.code).text)}`).join('   ')}`);

  if (e.score.length > 0) {
    lines.push('');
    const plugins = e.profile.score.filter((s) => e.score.some((n) => n.plugins.some((p) => p.plugin === s.plugin)));
    const header: Cell[] = [{ text: 'Score', paint: c.bold }, ...e.score.map((s) => nodeHeader(s.node))];
    const rows = plugins.map(({ plugin, weight }): Cell[] => [
      { text: `${plugin} ×${weight}` },
      ...e.score.map((s): Cell => {
        const p = s.plugins.find((x) => x.plugin === plugin);
        return p ? { text: `${p.raw}→${p.normalized}→${p.weighted}` } : { text: '' };
      }),
    ]);
    const best = e.selection.bestScore;
    const totals: Cell[] = [{ text: 'total', paint: c.bold }, ...e.score.map((s): Cell => ({ text: String(s.total), paint: s.node === chosen ? both(c.bold, c.green) : s.total === best ? c.bold : undefined }))];
    lines.push(...table([header, ...rows, totals]));
    lines.push(c.dim('each cell: raw score → normalized (0-100) → weighted (normalized × weight); the total is the sum of the weighted'));
    const skipped = e.preScore.filter((p) => p.code === 'Skip').map((p) => p.plugin);
    if (skipped.length) lines.push(c.dim(`not scored (their PreScore skipped this pod): ${skipped.join(', ')}`));
  }

  lines.push('', `${c.bold('Chosen:')} ${chosen ?? 'none'} — ${e.selection.message}`);
  return lines.join('\n');
}

function mark(code: string): Cell {
  return FILTER_MARK[code] ?? { text: code };
}

/** Why each rejected node was rejected, by the plugin that decided (a PreFilter rejection once). */
function rejections(filter: NodeFilterExplanation[]): string[] {
  const rejected = filter.filter((f) => f.status.code !== 'Success');
  if (rejected.length === 0) return [];
  const first = rejected[0]!;
  if (!first.evaluated && rejected.length === filter.length && rejected.every((f) => f.status.plugin === first.status.plugin)) {
    return ['', `Every node: ${first.status.plugin} (PreFilter) ${first.status.reasons.join(', ')} ${c.dim(`(${first.status.code})`)}`];
  }
  const rows = rejected.map((f): Cell[] => [{ text: f.node }, { text: f.status.plugin ?? '' }, { text: `${f.status.reasons.join(', ')}` }, { text: `(${f.status.code})`, paint: c.dim }]);
  return ['', 'Rejected:', ...table(rows).map((l) => `  ${l}`)];
}

/** A line per explanation: the pod, its cycle, what became of it, when. */
export function renderExplanationList(list: SchedulingExplanation[]): string {
  if (list.length === 0) return 'No explanations recorded.';
  const rows = list.map((e): Cell[] => {
    const o = outcomeWords(e);
    return [{ text: `${e.pod.namespace}/${e.pod.name}` }, { text: `cycle ${e.cycle}` }, o, { text: e.time, paint: c.dim }];
  });
  return [...table([[{ text: 'POD', paint: c.bold }, { text: 'CYCLE', paint: c.bold }, { text: 'RESULT', paint: c.bold }, { text: 'TIME', paint: c.bold }], ...rows])].join('\n');
}

/** Options of {@link explainCommand}. */
export interface ExplainCommandOptions {
  /** where the explanations are (default {@link DEFAULT_EXPLAIN_DIR}) */
  dir?: string;
  /** print the SchedulingExplanation as JSON instead of tables */
  json?: boolean;
  /**
   * ask a running cluster's live view instead of reading files: its base URL
   * (`http://127.0.0.1:PORT`), which serves `/explain/<namespace>/<name>.json`
   */
  url?: string;
}

/**
 * `npm run kata -- explain [POD] [--dir DIR | --url URL] [--json]`: POD is `name` (namespace
 * default) or `namespace/name`; without POD, the list of recorded explanations (from files).
 *
 * @returns the exit code: 0, or 1 when there is no explanation of the pod
 * @throws Error for a POD that is not a pod name, a file or an answer that is not an explanation,
 *   or a live view that cannot be reached
 */
export async function explainCommand(pod: string | undefined, options: ExplainCommandOptions, out: (text: string) => void): Promise<number> {
  const dir = options.dir ?? DEFAULT_EXPLAIN_DIR;
  const files = new ExplanationFiles({ dir });
  if (pod === undefined) {
    if (options.url !== undefined) throw new Error('explain --url needs a pod: npm run kata -- explain web --url http://127.0.0.1:PORT (the live view lists the pods)');
    const list = files.list();
    out(options.json ? JSON.stringify(list, null, 2) : list.length ? renderExplanationList(list) : `No explanations in ${dir}. ${HOW_TO_RECORD}`);
    return 0;
  }
  const [namespace, name] = pod.includes('/') ? (pod.split('/', 2) as [string, string]) : ['default', pod];
  explanationFile(dir, namespace, name); // checks the names
  const explanation = options.url !== undefined ? await fromLiveView(options.url, namespace, name) : files.get(namespace, name);
  if (!explanation) {
    out(`No explanation of ${namespace}/${name} ${options.url !== undefined ? `at ${options.url}` : `in ${dir}`}. ${HOW_TO_RECORD}`);
    return 1;
  }
  out(options.json ? JSON.stringify(explanation, null, 2) : renderExplanation(explanation));
  return 0;
}

/** The explanation a live view serves at `/explain/<namespace>/<name>.json`; undefined on 404. */
async function fromLiveView(base: string, namespace: string, name: string): Promise<SchedulingExplanation | undefined> {
  let url: URL;
  try {
    url = new URL(`explain/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}.json`, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new Error(`--url ${base} is not a URL: give the live view's address, such as http://127.0.0.1:8080`);
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`the live view at ${base} did not answer (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}): is the cluster running?`);
  }
  if (response.status === 404) return undefined;
  const text = await response.text();
  if (!response.ok) throw new Error(`the live view answered ${url} with ${response.status}: ${text.slice(0, 200)}`);
  return parseExplanation(text, url.href);
}

const HOW_TO_RECORD =
  'A scheduler records one per cycle when it runs with explain: new Scheduler({ ..., explain: new ExplanationLog({ limit: 200, also: new ExplanationFiles({ dir }) }) }) writes them here (tools/lib/explain-files.ts); a cluster\'s live view serves them (--url).';
