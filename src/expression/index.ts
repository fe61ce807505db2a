/**
 * expression — a loss typed as text (mathjs syntax) compiled into autodiff operations
 * (layer 6 of README.md, "Architecture"; the `igr/expression` entry). The only part of igr that loads mathjs, so
 * a program that writes its losses in TypeScript never does. Serves the CLI, the reports and
 * the browser explorer; imports only the autodiff layer and no `node:` module.
 */
export * from './compile.js';
