/**
 * The import graph of src/ and web/, read with the TypeScript parser (not by running anything):
 * each module's imports with whether they are type-only (erased when compiled) and whether they
 * are dynamic (`import('…')`, still part of a bundle).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface Import {
  /** The specifier as written: './tensor.js', 'node:fs', 'mathjs/number'. */
  specifier: string;
  /** Repository-relative path of the imported module (`src/autodiff/tensor.ts`), or null for a package. */
  target: string | null;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Every .ts file under `dir` (repository-relative, forward slashes). */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** The imports and re-exports of one module. */
export function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, dynamic: boolean): void => {
    let target: string | null = null;
    if (specifier.startsWith('.')) {
      target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
    }
    out.push({ specifier, target, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      // `import { type A, type B } from` is erased too.
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes, false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const allTypes =
        node.isTypeOnly ||
        (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, allTypes, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, false); // typeof import('esbuild')
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every module reachable from `entry` through imports that stay in the compiled code, with the chain that reaches it. */
export function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const imp of importsOf(file)) {
      if (imp.typeOnly) continue;
      const key = imp.target ?? imp.specifier;
      if (seen.has(key)) continue;
      seen.set(key, [...seen.get(file)!, key]);
      if (imp.target !== null) queue.push(imp.target);
    }
  }
  return seen;
}
