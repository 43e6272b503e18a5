/**
 * Markdown to HTML for every page of the site (markdown-it), with what a workbook needs:
 *
 * - every heading gets an id and a `#` permalink (GitHub-style ids, unique per page);
 * - a kata's `## Hints` become folded `<details class="hint">`, one per `###`, which the site's
 *   script reveals one at a time;
 * - links are rewritten by the caller's resolver (repo paths → site pages, `kata:etcd/04` →
 *   the kata's page, or "coming" when it does not exist yet), and a broken one is a problem;
 * - fenced code is highlighted; a ```` ```diagram ```` fence holding a name becomes that SVG;
 * - tables scroll sideways on a phone instead of overflowing.
 *
 * Problems (a broken link, an unclosed code fence, an unknown diagram) are collected in the
 * render's env, with the source file, so the build can report them all.
 */
import MarkdownIt, { type Token } from 'markdown-it';
import type { Problem } from './errors.ts';
import { escapeHtml, Slugger } from './html.ts';
import type { Highlight } from './highlight.ts';

/** What a link in markdown resolves to. */
export type Resolved =
  /** a URL to put in the page */
  | { href: string }
  /** something that does not exist yet (a kata of the catalogue not written): shown as text */
  | { coming: string }
  /** a broken link: the message says why */
  | { error: string };

/** A heading of a rendered page. */
export interface Heading {
  level: number;
  /** the heading's text, markdown removed */
  text: string;
  id: string;
}

/** The context of one render: where the markdown comes from and how to resolve what it names. */
export interface RenderEnv {
  /** the source file, relative to the root, for messages: "katas/etcd/01-kv.md" */
  source: string;
  /** resolves a link or image target found in the markdown */
  resolve: (href: string, kind: 'link' | 'image') => Resolved;
  /** draws a named diagram (the content of a ```diagram fence); undefined if there is none by that name */
  diagram?: (name: string) => string | undefined;
  /** fold `### ` headings under `## Hints` into hints (kata pages) */
  foldHints?: boolean;
  /** lines before the markdown in its file (the front matter), so that messages give the file's line numbers */
  lineOffset?: number;
  /** drop a leading `# Title` (the page header shows the title) */
  stripTitle?: boolean;
  /** filled by the render */
  problems: Problem[];
  /** filled by the render: every heading with its id */
  headings: Heading[];
  /** filled by the render: the leading `# Title`, when stripTitle removed one */
  title?: string;
  /** filled by the render: how many hints were folded */
  hints: number;
}

/** Renders markdown (without front matter) to HTML, filling `env` with headings and problems. */
export type Render = (markdown: string, env: RenderEnv) => string;

/** Creates the site's markdown renderer. */
export function createRenderer(highlight: Highlight): Render {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

  md.core.ruler.push('kubekata', (state) => {
    const env = state.env as unknown as RenderEnv;
    if (env.stripTitle) stripTitle(state.tokens, env);
    assignIds(state.tokens, env);
    resolveLinks(state.tokens, env);
    if (env.foldHints) state.tokens = foldHints(state.tokens, env, (type, tag, nesting) => new state.Token(type, tag, nesting));
  });

  const renderToken = md.renderer.renderToken.bind(md.renderer);
  md.renderer.rules.heading_close = (tokens, idx, options) => {
    const open = tokens[idx - 2];
    const id = open?.attrGet('id')?.toString();
    const anchor = id ? `<a class="anchor" href="#${escapeHtml(id)}" aria-label="Link to this section">#</a>` : '';
    return anchor + renderToken(tokens, idx, options);
  };
  md.renderer.rules.table_open = (tokens, idx, options) => `<div class="table-wrap">${renderToken(tokens, idx, options)}`;
  md.renderer.rules.table_close = (tokens, idx, options) => `${renderToken(tokens, idx, options)}</div>`;
  md.renderer.rules.fence = (tokens, idx, _options, renderEnv) => {
    const env = renderEnv as unknown as RenderEnv;
    const token = tokens[idx]!;
    const lang = token.info.trim().split(/\s+/)[0] ?? '';
    if (lang === 'diagram') {
      const name = token.content.trim();
      const svg = env.diagram?.(name);
      if (svg === undefined) {
        env.problems.push({ file: env.source, message: `line ${lineOf(token, env)}: there is no diagram named "${name}".` });
        return '';
      }
      return `<figure class="diagram">${svg}</figure>\n`;
    }
    const code = highlight(token.content, lang) ?? escapeHtml(token.content.replace(/\n$/, ''));
    const label = lang ? ` data-lang="${escapeHtml(lang)}"` : '';
    return `<pre class="code"${label}><code>${code}</code></pre>\n`;
  };

  return (markdown, env) => {
    for (const problem of fenceProblems(markdown, env.lineOffset)) {
      env.problems.push({ file: env.source, message: `line ${problem.line}: ${problem.message}` });
    }
    return md.render(markdown, env as unknown as Record<string, unknown>);
  };
}

/**
 * Code fences that are not closed where the author meant them to be: a fence still open at the end
 * (the rest of the page would be code), or a fence with a language (```` ```ts ````) inside an open
 * one, which means a closing ```` ``` ```` is missing before it. Lines are 1-based.
 */
export function fenceProblems(markdown: string, offset = 0): { line: number; message: string }[] {
  const problems: { line: number; message: string }[] = [];
  let open: { marker: string; line: number } | undefined;
  markdown.split('\n').forEach((line, i) => {
    const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!match) return;
    const marker = match[1]!;
    const info = match[2]!.trim();
    if (open === undefined) {
      if (marker[0] === '`' && info.includes('`')) return; // not a fence: inline code
      open = { marker, line: i + 1 + offset };
    } else if (marker[0] === open.marker[0] && marker.length >= open.marker.length) {
      if (info === '') open = undefined;
      else if (marker.length === open.marker.length && /^[\w-]+$/.test(info)) {
        problems.push({ line: i + 1 + offset, message: `a code fence with a language opens inside the code block opened at line ${open.line}: is a closing ${open.marker} missing before it?` });
        open = { marker, line: i + 1 + offset };
      }
    }
  });
  if (open !== undefined) problems.push({ line: open.line, message: 'this code fence is never closed, so the rest of the page would be code.' });
  return problems;
}

function lineOf(token: Token, env: RenderEnv): number {
  return (token.map?.[0] ?? 0) + 1 + (env.lineOffset ?? 0);
}

function inlineText(token: Token | undefined): string {
  if (!token?.children) return token?.content ?? '';
  return token.children
    .filter((t) => t.type === 'text' || t.type === 'code_inline' || t.type === 'html_inline')
    .map((t) => (t.type === 'html_inline' ? '' : t.content))
    .join('');
}

function stripTitle(tokens: Token[], env: RenderEnv): void {
  const first = tokens[0];
  if (first?.type === 'heading_open' && first.tag === 'h1') {
    env.title = inlineText(tokens[1]);
    tokens.splice(0, 3);
  }
}

function assignIds(tokens: Token[], env: RenderEnv): void {
  const slugger = new Slugger();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type !== 'heading_open') continue;
    const text = inlineText(tokens[i + 1]);
    const id = slugger.slug(text);
    token.attrSet('id', id);
    env.headings.push({ level: Number(token.tag.slice(1)), text, id });
  }
}

function resolveLinks(tokens: Token[], env: RenderEnv): void {
  for (const block of tokens) {
    const children = block.children;
    if (!children) continue;
    for (let i = 0; i < children.length; i++) {
      const token = children[i]!;
      if (token.type === 'link_open') {
        const href = String(token.attrGet('href') ?? '');
        const resolved = env.resolve(href, 'link');
        if ('href' in resolved) {
          token.attrSet('href', resolved.href);
          if (/^https?:/.test(resolved.href)) token.attrSet('rel', 'noopener');
        } else if ('coming' in resolved) {
          token.type = 'html_inline';
          token.content = `<span class="coming" title="${escapeHtml(resolved.coming)}">`;
          const close = children.findIndex((t, j) => j > i && t.type === 'link_close');
          if (close > 0) {
            children[close]!.type = 'html_inline';
            children[close]!.content = '<span class="coming-tag">(coming)</span></span>';
          }
        } else {
          env.problems.push({ file: env.source, message: `line ${lineOf(block, env)}: broken link "${href}": ${resolved.error}` });
        }
      } else if (token.type === 'image') {
        const src = String(token.attrGet('src') ?? '');
        const resolved = env.resolve(src, 'image');
        if ('href' in resolved) token.attrSet('src', resolved.href);
        else {
          const why = 'error' in resolved ? resolved.error : 'it does not exist yet';
          env.problems.push({ file: env.source, message: `line ${lineOf(block, env)}: broken image "${src}": ${why}` });
        }
      }
    }
  }
}

function foldHints(tokens: Token[], env: RenderEnv, make: (type: string, tag: string, nesting: -1 | 0 | 1) => Token): Token[] {
  const out: Token[] = [];
  const html = (content: string): Token => {
    const token = make('html_block', '', 0);
    token.content = content;
    return token;
  };
  let inHints = false;
  let open = false;
  const close = (): void => {
    if (open) out.push(html('</div></details>\n'));
    open = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open' && (token.tag === 'h1' || token.tag === 'h2')) {
      close();
      inHints = token.tag === 'h2' && inlineText(tokens[i + 1]).trim() === 'Hints';
      if (inHints) out.push(token, tokens[i + 1]!, tokens[i + 2]!, html('<div class="hints">\n'));
      else out.push(token, tokens[i + 1]!, tokens[i + 2]!);
      i += 2;
      if (inHints) {
        // the hints block is closed when the section ends
        const end = tokens.findIndex((t, j) => j > i && t.type === 'heading_open' && (t.tag === 'h1' || t.tag === 'h2'));
        const last = end < 0 ? tokens.length : end;
        for (i = i + 1; i < last; i++) {
          const t = tokens[i]!;
          if (t.type === 'heading_open' && t.tag === 'h3') {
            close();
            env.hints += 1;
            const id = String(t.attrGet('id') ?? `hint-${env.hints}`);
            out.push(html(`<details class="hint" id="${escapeHtml(id)}" data-hint="${env.hints}"><summary><span class="hint-label">Hint ${env.hints}</span> `));
            // "### 2. Nearly there" shows as "Hint 2 · Nearly there": the label already numbers it
            const first = tokens[i + 1]!.children?.[0];
            if (first?.type === 'text') first.content = first.content.replace(/^\d+[.)]\s+/, '');
            out.push(tokens[i + 1]!);
            out.push(html('</summary><div class="hint-body">\n'));
            open = true;
            i += 2;
          } else {
            out.push(t);
          }
        }
        close();
        out.push(html('</div>\n'));
        inHints = false;
        i = last - 1;
      }
      continue;
    }
    out.push(token);
  }
  return out;
}
