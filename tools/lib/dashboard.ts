/**
 * The class dashboard, `OUT/index.html`: one self-contained page (no script, no fonts, no
 * requests: it opens from a USB stick and on a projector) that shows at a glance who is stuck where —
 * learners × katas as a heat map (points, partial, borrowed, not started), per-kata pass rates and
 * hints used, the tests most learners fail with the message most of them see, when each learner
 * last submitted, and loud warnings for submissions that could not be read and for tampering.
 */
import type { GradeResults, KataState } from './grading.ts';
import { compileErrors, type ClassFile, type ClassLearner } from './class.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type CellState = KataState | 'unreadable';

const LABEL: Record<CellState, string> = {
  done: 'done',
  partial: 'partial',
  failing: 'failing',
  'not-started': 'not started',
  borrowed: 'borrowed',
  tampered: 'tampering',
  unreadable: 'unreadable',
};

const STYLE = `
:root { --fg: #111; --bg: #fff; --muted: #555; --line: #ccc; --done: #1a7f37; --partial: #b35900; --failing: #c62828; --none: #e8e8e8; --borrowed: #1f5fbf; --alert: #b00020; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem 2rem 3rem; font: 18px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 2rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .5rem; }
.lead { color: var(--muted); margin: 0 0 1rem; }
.alerts { border: 3px solid var(--alert); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; background: #fff3f3; }
.alerts h2 { color: var(--alert); margin: 0 0 .25rem; font-size: 1.3rem; }
.alerts ul { margin: .25rem 0 0; padding-left: 1.25rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; }
th, td { padding: .3rem .5rem; border: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { background: #f4f4f4; font-weight: 600; }
.heat td.cell { text-align: center; font-weight: 700; min-width: 3.2rem; font-variant-numeric: tabular-nums; }
.cell.done { background: var(--done); color: #fff; }
.cell.partial { background: color-mix(in srgb, var(--partial) calc(35% + var(--p, 0.5) * 50%), #fff); color: #000; }
.cell.failing { background: #ffd6d6; color: var(--failing); }
.cell.not-started { background: var(--none); color: #777; font-weight: 400; }
.cell.borrowed { background: repeating-linear-gradient(135deg, #dbe7fb 0 6px, #c4d6f5 6px 12px); color: var(--borrowed); }
.cell.tampered, .cell.unreadable { background: var(--alert); color: #fff; }
.flag { color: var(--alert); font-weight: 700; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem 1rem; margin: .5rem 0 1rem; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.legend .cell { display: inline-block; width: 2.2rem; text-align: center; border: 1px solid var(--line); font-weight: 700; }
.bar { display: inline-block; height: .8rem; background: var(--done); vertical-align: middle; margin-right: .4rem; }
.message { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; white-space: pre-wrap; max-width: 60ch; }
a { color: #0b57d0; }
`;

/** What one cell of the heat map says: its state, its text and its tooltip. */
function cellOf(learner: ClassLearner, results: GradeResults | undefined, kata: ClassFile['katas'][number]): { state: CellState; text: string; title: string; share: number } {
  if (learner.problem || !results) return { state: 'unreadable', text: '!', title: `kata ${kata.number}: the submission could not be read`, share: 0 };
  const k = results.katas.find((x) => x.kata === kata.number);
  if (!k) return { state: 'not-started', text: '·', title: `kata ${kata.number}: not graded`, share: 0 };
  const hints = k.hints ? `, ${k.hints} hint${k.hints === 1 ? '' : 's'}` : '';
  const title = `${learner.learner} · kata ${k.kata} ${k.title}: ${LABEL[k.state]}${k.state === 'borrowed' ? '' : `, ${k.score}/${k.max_score} points, ${k.passed}/${k.total} tests`}${hints}${k.tampered ? ', TAMPERED TEST FILE' : ''}`;
  const text = k.state === 'borrowed' ? 'B' : k.state === 'not-started' ? '·' : k.state === 'tampered' ? '⚠' : String(k.score);
  return { state: k.state, text: k.tampered ? `${text}⚠` : text, title, share: k.max_score ? k.score / k.max_score : 0 };
}

/** The dashboard's HTML for a class. */
export function dashboard(file: ClassFile, results: Map<string, GradeResults | undefined>): string {
  const { katas, learners } = file;
  const max = katas.reduce((n, k) => n + k.points, 0);
  const graded = learners.filter((l) => !l.problem);
  const scores = graded.map((l) => l.score).sort((a, b) => a - b);
  const median = scores.length ? (scores.length % 2 ? scores[(scores.length - 1) / 2]! : (scores[scores.length / 2 - 1]! + scores[scores.length / 2]!) / 2) : 0;

  // Warnings first, in red: nobody should miss a learner whose work was not read, or tampering.
  const alerts: string[] = [];
  for (const l of learners.filter((x) => x.problem)) alerts.push(`<li><strong>${esc(l.learner)}</strong>: the submission could not be read, scored 0 — ${esc(l.problem!)}</li>`);
  for (const l of learners) {
    const r = results.get(l.learner);
    if (!r) continue;
    const broken = compileErrors(r);
    if (broken.length) alerts.push(`<li><strong>${esc(l.learner)}</strong>: the code does not compile (every kata that imports it scores 0): ${esc(broken.join(', '))}</li>`);
    if (r.tampered_tests.length) alerts.push(`<li><strong>${esc(l.learner)}</strong>: tampered test files (they differ from the workbook's): ${esc(r.tampered_tests.join(', '))}</li>`);
    if (r.tampered_code.length) alerts.push(`<li><strong>${esc(l.learner)}</strong>: the code of kata ${esc(r.tampered_code.join(', '))} changed the test machinery; not scored</li>`);
    if (r.review.length) alerts.push(`<li><strong>${esc(l.learner)}</strong>: ${r.review.length} line${r.review.length === 1 ? '' : 's'} of code to review (${esc(r.review[0]!.file)}:${r.review[0]!.line} ${esc(r.review[0]!.what.split(':')[0]!)}${r.review.length > 1 ? ', …' : ''})</li>`);
  }
  if (file.min_score !== null) {
    const below = learners.filter((l) => !l.problem && l.score < file.min_score!);
    if (below.length) alerts.push(`<li>Below the minimum score ${file.min_score}: ${below.map((l) => `<strong>${esc(l.learner)}</strong> (${l.score})`).join(', ')}</li>`);
  }

  const head = `<tr><th scope="col">learner</th><th scope="col" class="num">points</th>${katas.map((k) => `<th scope="col" title="${esc(`${k.number} ${k.title} (${k.component}), ${k.points} points`)}">${k.number}</th>`).join('')}<th scope="col">last submission</th></tr>`;
  const rows = learners.map((l) => {
    const r = results.get(l.learner);
    const cells = katas.map((k) => {
      const c = cellOf(l, r, k);
      return `<td class="cell ${c.state}" data-kata="${k.number}" data-state="${c.state}" style="--p:${c.share.toFixed(2)}" title="${esc(c.title)}">${esc(c.text)}</td>`;
    });
    const name = l.problem ? `<span class="flag">⚠ ${esc(l.learner)}</span>` : `<a href="${encodeURIComponent(l.folder)}/report.md">${esc(l.learner)}</a>`;
    return `<tr data-learner="${esc(l.learner)}"><th scope="row">${name}</th><td class="num">${l.score}</td>${cells.join('')}<td>${esc(l.submitted_at ? l.submitted_at.replace('T', ' ').slice(0, 16) : '—')}</td></tr>`;
  });

  // Per kata: how many learners are done, mean points of those who started, hints used.
  const perKata = katas.map((k) => {
    const ks = graded.map((l) => results.get(l.learner)?.katas.find((x) => x.kata === k.number)).filter((x) => x !== undefined);
    const own = ks.filter((x) => x.state !== 'borrowed');
    const done = own.filter((x) => x.state === 'done').length;
    const started = own.filter((x) => x.state !== 'not-started');
    const mean = started.length ? started.reduce((n, x) => n + x.score, 0) / started.length : 0;
    const hints = ks.reduce((n, x) => n + x.hints, 0);
    const hinted = ks.filter((x) => x.hints > 0).length;
    const rate = own.length ? done / own.length : 0;
    return `<tr data-kata-row="${k.number}"><th scope="row">${k.number} ${esc(k.title)}</th><td class="num"><span class="bar" style="width:${Math.round(rate * 80)}px"></span>${done}/${own.length} (${Math.round(rate * 100)}%)</td><td class="num">${started.length}</td><td class="num">${mean.toFixed(1)} / ${k.points}</td><td class="num">${ks.length - own.length}</td><td class="num">${hints}${hinted ? ` (${hinted} learner${hinted === 1 ? '' : 's'})` : ''}</td></tr>`;
  });

  // The tests most learners fail (in katas they started), with the message most of them see.
  const failing = new Map<string, { kata: string; name: string; learners: Set<string>; messages: Map<string, number> }>();
  for (const l of graded) {
    const r = results.get(l.learner);
    if (!r) continue;
    for (const t of r.tests) {
      const k = r.katas.find((x) => x.kata === t.kata);
      if (t.status === 'pass' || !k || k.state === 'not-started' || k.state === 'borrowed') continue;
      const key = `${t.kata}::${t.name}`;
      const entry = failing.get(key) ?? { kata: t.kata, name: t.name, learners: new Set<string>(), messages: new Map<string, number>() };
      entry.learners.add(l.learner);
      const first = (t.message ?? '').split('\n')[0]!.slice(0, 200);
      entry.messages.set(first, (entry.messages.get(first) ?? 0) + 1);
      failing.set(key, entry);
    }
  }
  const top = [...failing.values()].sort((a, b) => b.learners.size - a.learners.size || a.kata.localeCompare(b.kata) || a.name.localeCompare(b.name)).slice(0, 12);
  const topRows = top.map((t) => {
    const [message, count] = [...t.messages.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return `<tr><td>${t.kata}</td><td>${esc(t.name)}</td><td class="num">${t.learners.size}</td><td><div class="message">${esc(message)}</div><small>${count} of ${t.learners.size} see this</small></td></tr>`;
  });

  const legend = (['done', 'partial', 'failing', 'not-started', 'borrowed', 'tampered', 'unreadable'] as CellState[])
    .map((s) => `<li><span class="cell ${s}" style="--p:0.5">${s === 'done' ? '10' : s === 'partial' ? '5' : s === 'failing' ? '0' : s === 'not-started' ? '·' : s === 'borrowed' ? 'B' : s === 'tampered' ? '⚠' : '!'}</span>${LABEL[s]}</li>`)
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kubekata · class dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Class dashboard</h1>
<p class="lead">${learners.length} learner${learners.length === 1 ? '' : 's'} · ${katas.length} katas · ${max} points · median ${median} points${file.min_score !== null ? ` · minimum ${file.min_score}` : ''}</p>
${alerts.length ? `<section class="alerts" role="alert"><h2>⚠ ${alerts.length} warning${alerts.length === 1 ? '' : 's'}</h2><ul>${alerts.join('')}</ul></section>` : ''}
<h2>Who is where</h2>
<ul class="legend">${legend}</ul>
<div class="scroll"><table class="heat"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table></div>
<h2>Each kata</h2>
<div class="scroll"><table class="katas"><thead><tr><th scope="col">kata</th><th scope="col">done</th><th scope="col">started</th><th scope="col">mean points of those who started</th><th scope="col">borrowed</th><th scope="col">hints used</th></tr></thead><tbody>${perKata.join('\n')}</tbody></table></div>
<h2>The tests most learners fail</h2>
${topRows.length ? `<div class="scroll"><table class="failing"><thead><tr><th scope="col">kata</th><th scope="col">test</th><th scope="col">learners</th><th scope="col">the message most of them see</th></tr></thead><tbody>${topRows.join('\n')}</tbody></table></div>` : '<p>No test fails in a kata anyone has started.</p>'}
</body>
</html>
`;
}
