/**
 * README.md runs as written. Every ```ts block is copied into test-output/readme/ with its
 * imports of `igr`, `igr/node` and `igr/expression` pointed at the sources, type-checked with the
 * repository's compiler options, and run; each result it states with `// … → VALUE` is asserted
 * (the convention: test/docs/readme-check.ts). Blocks added later are picked up by the same test.
 *
 * And the README's `igr verify --loss` command lines (in ```sh and ```text blocks) run and pass.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { results } from './readme-check.js';
import { runCli } from '../cli/run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'test-output', 'readme');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  /** 1-based README line of the block's first code line. */
  line: number;
  code: string;
}

/** The fenced code blocks of a Markdown text. */
export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    blocks.push({ lang: open[1]!, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const ENTRIES: Record<string, string> = { igr: 'src/index.js', 'igr/node': 'src/node/index.js', 'igr/expression': 'src/expression/index.js' };

/**
 * The block as a module in test-output/readme: package imports pointed at the sources, and each
 * `EXPR; // … → VALUE` line replaced by a call of the checker. Throws for an arrow anywhere else.
 */
export function instrument(block: Block, file: string): string {
  const source = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.ES2022, true);
  const edits: { start: number; end: number; text: string }[] = [];
  const claimed = new Set<number>();
  const readmeLine = (pos: number): number => block.line + source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && ENTRIES[node.moduleSpecifier.text]) {
      const target = relative(join(file, '..'), join(ROOT, ENTRIES[node.moduleSpecifier.text]!)).split('\\').join('/');
      edits.push({ start: node.moduleSpecifier.getStart(), end: node.moduleSpecifier.getEnd(), text: `'${target.startsWith('.') ? target : `./${target}`}'` });
    }
    if (ts.isStatement(node) || ts.isVariableStatement(node)) {
      for (const c of ts.getTrailingCommentRanges(block.code, node.getEnd()) ?? []) {
        const comment = block.code.slice(c.pos, c.end);
        const arrow = comment.lastIndexOf('→');
        if (arrow < 0) continue;
        claimed.add(c.pos);
        if (!ts.isExpressionStatement(node)) {
          throw new Error(`README.md line ${readmeLine(c.pos)}: '→' states a result on a line that is not an expression statement: ${node.getText().split('\n')[0]}`);
        }
        const expr = node.expression.getText();
        edits.push({
          start: node.getStart(),
          end: node.getEnd(),
          text: `__readmeCheck(${readmeLine(node.getStart())}, ${JSON.stringify(expr)}, ${JSON.stringify(comment.slice(arrow + 1))}, (${expr}));`,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // An arrow in any other comment would be a stated result nobody checks.
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, block.code);
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if ((kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) && scanner.getTokenText().includes('→') && !claimed.has(scanner.getTokenPos())) {
      throw new Error(`README.md line ${readmeLine(scanner.getTokenPos())}: a comment states a result with '→' but does not end an expression statement: ${scanner.getTokenText()}`);
    }
  }
  let code = block.code;
  for (const e of edits.sort((a, b) => b.start - a.start)) code = code.slice(0, e.start) + e.text + code.slice(e.end);
  const checker = relative(join(file, '..'), join(ROOT, 'test', 'docs', 'readme-check.js')).split('\\').join('/');
  return `import { check as __readmeCheck } from '${checker}';\n${code}\nexport {};\n`;
}

const tsBlocks = fencedBlocks(README).filter((b) => b.lang === 'ts');
const files = tsBlocks.map((b) => join(OUT, `block-${b.line}.ts`));

describe('README.md TypeScript blocks', () => {
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    tsBlocks.forEach((b, i) => writeFileSync(files[i]!, instrument(b, files[i]!)));
  });

  it('there are blocks to run, and they state results', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(4);
    expect(tsBlocks.filter((b) => b.code.includes('→')).length).toBeGreaterThanOrEqual(3);
  });

  it('every block type-checks with the repository compiler options (imports as a user writes them)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    // The blocks' own diagnostics only (the sources they import are checked by npm test's tsc).
    const diagnostics = files.flatMap((f) => {
      const sf = program.getSourceFile(f)!;
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    });
    const text = diagnostics.map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const block = tsBlocks[files.indexOf(d.file!.fileName)]!;
      // Line 1 of a generated file is the checker's import.
      return `README.md line ${block.line + line - 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
    expect(text).toEqual([]);
  }, 120_000);

  it.each(tsBlocks.map((b, i) => [b.line, i] as const))('the block at README.md line %i runs and its stated results hold', async (_line, i) => {
    results.length = 0;
    await import(pathToFileURL(files[i]!).href);
    const failures = results.filter((r) => r.failure !== null).map((r) => `README.md line ${r.line}: ${r.expression} → ${r.stated}: ${r.failure}`);
    expect(failures).toEqual([]);
    const stated = (tsBlocks[i]!.code.match(/→/g) ?? []).length;
    expect(results.length).toBe(stated); // every arrow was reached
  }, 120_000);
});

/** A command line of a shell or transcript block split into words (single and double quotes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[3]?.startsWith('#')) break;
    words.push(m[1] ?? m[2] ?? m[3]!);
  }
  return words;
}

const lossCommands = fencedBlocks(README)
  .filter((b) => b.lang === 'sh' || b.lang === 'text')
  .flatMap((b) => b.code.split('\n').map((text, k) => ({ text: text.replace(/^\$ /, ''), line: b.line + k })))
  // Usage synopses (`--loss EXPR`, `[--h ...]`) are not examples.
  .filter((c) => /^igr verify\b.*--loss /.test(c.text) && !/EXPR|\[--/.test(c.text));

describe('README.md igr verify --loss examples', () => {
  it('there are some', () => {
    expect(lossCommands.length).toBeGreaterThanOrEqual(2);
  });
  it.each(lossCommands.map((c) => [c.line, c.text] as const))('README.md line %i: %s passes (exit 0)', async (_line, text) => {
    const words = shellWords(text).slice(1); // drop 'igr'
    const r = await runCli(words);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});
