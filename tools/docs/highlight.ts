/**
 * Syntax highlighting for code blocks, with the shiki that typedoc already ships
 * (`@gerrit0/mini-shiki`, a dependency of typedoc): the same grammars and colours as the API
 * reference, no extra package, no network. Each token gets its light and dark colours as CSS
 * custom properties (`--l`, `--d`); the stylesheet picks one by `prefers-color-scheme`.
 *
 * Languages other than those loaded here are shown as plain, escaped text.
 */
import { escapeHtml } from './html.ts';

/** Turns code into highlighted HTML (the inside of a `<code>`), or undefined for a language it does not know. */
export type Highlight = (code: string, lang: string) => string | undefined;

const LANGS = ['typescript', 'javascript', 'bash', 'json', 'yaml', 'diff'] as const;
const LIGHT = 'github-light';
const DARK = 'github-dark';

let loading: Promise<Highlight> | undefined;

/**
 * Loads the highlighter once (about 0.1 s). If shiki cannot be loaded, warns and returns a
 * highlighter that leaves code plain: highlighting is never a reason for the build to fail.
 */
export function loadHighlighter(warn: (message: string) => void = () => {}): Promise<Highlight> {
  loading ??= load().catch((error: unknown) => {
    warn(`code blocks will not be highlighted: shiki (from typedoc) did not load: ${(error as Error).message}`);
    return () => undefined;
  });
  return loading;
}

async function load(): Promise<Highlight> {
  const shiki = await import('@gerrit0/mini-shiki');
  await shiki.loadBuiltinWasm();
  const engine = await shiki.createOnigurumaEngine();
  const internal = await shiki.createShikiInternal({
    engine,
    themes: [shiki.bundledThemes[LIGHT], shiki.bundledThemes[DARK]],
    langs: LANGS.map((lang) => shiki.bundledLanguages[lang]),
  });
  const loaded = new Set(internal.getLoadedLanguages());
  const fg = { light: internal.getTheme(LIGHT).fg.toLowerCase(), dark: internal.getTheme(DARK).fg.toLowerCase() };
  return (code, lang) => {
    const id = ALIASES[lang] ?? lang;
    if (!loaded.has(id)) return undefined;
    const lines = shiki.codeToTokensWithThemes(internal, code.replace(/\n$/, ''), { themes: { light: LIGHT, dark: DARK }, lang: id });
    return lines
      .map((line) =>
        line
          .map((token) => {
            const light = token.variants.light?.color?.toLowerCase();
            const dark = token.variants.dark?.color?.toLowerCase();
            const text = escapeHtml(token.content);
            if ((!light || light === fg.light) && (!dark || dark === fg.dark)) return text;
            return `<span style="--l:${light ?? 'inherit'};--d:${dark ?? 'inherit'}">${text}</span>`;
          })
          .join(''),
      )
      .join('\n');
  };
}

const ALIASES: Record<string, string> = {
  ts: 'typescript',
  mts: 'typescript',
  js: 'javascript',
  mjs: 'javascript',
  sh: 'bash',
  shell: 'bash',
  console: 'bash',
  yml: 'yaml',
  jsonc: 'json',
};
