/**
 * The map of the workbook, katas/README.md: every part and kata in order, with points and minutes,
 * and how to work. It is generated from the catalogue (the instruction files' front matter and the
 * components' README.md front matter), so it can never disagree with them: `npm run kata -- map`
 * writes it, and `npm test` fails when it is out of date.
 *
 * @example
 * ```ts
 * renderMap(loadKatas()); // "# The map of kubekata\n ... | 01 | [Key-value basics](etcd/01-kv.md) | 10 | 45 min | ..."
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitFrontMatter, type Kata } from './katas.ts';
import { ROOT } from './targets.ts';

/** Where the map lives. */
export const MAP_FILE = join('katas', 'README.md');

/** A component's page front matter: its part of the workbook and its title. */
interface ComponentPage {
  part: string;
  title: string;
}

function componentPage(component: string, root: string): ComponentPage {
  const file = join(root, 'katas', component, 'README.md');
  if (!existsSync(file)) return { part: '?', title: component };
  const { data } = splitFrontMatter(readFileSync(file, 'utf8'), file);
  return { part: roman(String(data.part ?? '?')), title: String(data.title ?? component) };
}

/** Parts are numbered in Roman numerals (Part I, Part II); front matter may say `part: 1` or `part: I`. */
function roman(part: string): string {
  const numerals = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'];
  return /^\d+$/.test(part) ? (numerals[Number(part) - 1] ?? part) : part;
}

/** "1 kata", "2 katas". */
function katasCount(n: number): string {
  return `${n} kata${n === 1 ? '' : 's'}`;
}

/** The text of katas/README.md for these katas (in catalogue order). */
export function renderMap(katas: Kata[], root = ROOT): string {
  const lines: string[] = [
    '<!-- Generated from the katas\' front matter by `npm run kata -- map`; edit the katas, not this file. -->',
    '# The map of kubekata',
    '',
    'You build a small but real Kubernetes, one kata at a time, in the order data flows through a',
    'cluster. Each kata is a markdown file with its instructions, next to the starter code you edit;',
    'its tests are in `test/` under the same name.',
    '',
    '- `npm start` — the loop: it runs the current kata\'s tests on every save, explains the first',
    '  failure, and moves on when you are green (`h` hint, `l` list, `n`/`p` next/previous, `q` quit).',
    '- `npm run kata -- list | run NN | hint NN | reset NN | borrow C | verify` — the same, one command at a time.',
    '- To start at a later part, borrow the reference for the parts before it: `npm run kata -- borrow etcd`.',
    '- Your code is what the tests judge, so it cannot import vitest or chai (the import fails, saying so); for checks of your own, use `node:assert`.',
    '',
  ];
  const components = [...new Set(katas.map((k) => k.component))];
  let totalPoints = 0;
  let totalMinutes = 0;
  for (const component of components) {
    const page = componentPage(component, root);
    const ofComponent = katas.filter((k) => k.component === component);
    const points = ofComponent.reduce((sum, k) => sum + k.points, 0);
    const minutes = ofComponent.reduce((sum, k) => sum + k.minutes, 0);
    totalPoints += points;
    totalMinutes += minutes;
    lines.push(`## Part ${page.part} · [${page.title}](${component}/README.md)`, '');
    lines.push('| kata | title | points | time | you learn | you edit |', '| --- | --- | ---: | ---: | --- | --- |');
    for (const k of ofComponent) {
      const files = k.files.map((f) => `\`${f.replace(`katas/${component}/`, '')}\``).join(', ');
      lines.push(`| ${k.number} | [${k.title}](${component}/${k.number}-${k.slug}.md) | ${k.points} | ${k.minutes} min | ${k.concepts.join(', ')} | ${files} |`);
    }
    lines.push(`| | **${katasCount(ofComponent.length)}** | **${points}** | **${hours(minutes)}** | | |`, '');
  }
  lines.push(`In all: ${katasCount(katas.length)}, ${totalPoints} points, about ${hours(totalMinutes)} of work.`, '');
  return lines.join('\n');
}

/** "45 min", "2 h 30 min". */
function hours(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}
