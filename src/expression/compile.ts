/**
 * A loss typed as text: `compileLoss("(1/2)*(1 - a*b)^2")` parses the expression with mathjs
 * into its syntax tree and compiles that tree, node by node, into autodiff operations through
 * a whitelist of operators, functions and constants. The expression is never evaluated as code
 * (no `evaluate`, no `compile().evaluate`): only the tree's shape is read, so a name outside the
 * whitelist cannot reach anything, and the result differentiates to any order like every other
 * `ScalarFn`.
 *
 * Used by `igr verify --loss`, the reports and the browser explorer, so this module imports no
 * node-only module and throws its own `ExpressionError` rather than the CLI's `UsageError`.
 */
// The number-only build: parses numerals as float64 (what the autodiff computes in) and bundles
// at about half the size of the full build for the browser explorer.
import { parse, type MathNode } from 'mathjs/number';
import {
  add,
  cos,
  div,
  exp,
  log,
  log1p,
  mul,
  neg,
  pow,
  reshape,
  scalar,
  sigmoid,
  sin,
  slice,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  abs,
  type ScalarFn,
  type Tensor,
} from '../autodiff/index.js';

/** What went wrong, for callers that react differently (the CLI maps every kind to exit code 2). */
export type ExpressionErrorKind =
  | 'parse' // mathjs could not parse the text; `position` is the 1-based character index
  | 'unknown-function'
  | 'unknown-symbol'
  | 'unsupported' // an operator or construct outside the whitelist
  | 'not-scalar' // a matrix/array literal, range, index, block of several expressions, object
  | 'arity'
  | 'constant' // a constant that is not a finite number, or a constant base ≤ 0 under a variable exponent
  | 'variables'; // the variable list is invalid or the expression has no variable

/** Bad loss text: the message names the offending operator, function or symbol and lists the valid ones. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    message: string,
    readonly kind: ExpressionErrorKind,
    /** 1-based character index of a parse error, as mathjs reports it. */
    readonly position?: number,
  ) {
    super(message);
  }
}

/** A compiled loss: a `ScalarFn` of one flat vector whose entries are `variables`, in that order. */
export interface CompiledLoss {
  /** The variable names; entry i of the loss's input vector is `variables[i]`. */
  variables: string[];
  /** E : R^m → R, m = variables.length; input shape [m], output shape []. */
  loss: ScalarFn;
  /** The expression as mathjs understood it (its canonical text, e.g. `2x` → `2 x`). */
  text: string;
}

/** The functions a loss may call, each with one argument. */
export const EXPRESSION_FUNCTIONS = [
  'sin',
  'cos',
  'tan',
  'exp',
  'log',
  'log1p',
  'sqrt',
  'tanh',
  'sigmoid',
  'softplus',
  'abs',
  'square',
  'cosh',
  'sinh',
] as const;

/** The named constants a loss may use; every other symbol is a variable. */
export const EXPRESSION_CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

/** The operators a loss may use (binary, then unary). */
export const EXPRESSION_OPERATORS = ['+', '-', '*', '/', '^', 'unary -', 'unary +'] as const;

type FunctionName = (typeof EXPRESSION_FUNCTIONS)[number];

/**
 * A compiled subtree: a plain number when it is free of variables (folded once, at compile
 * time), else a closure from the variables' scalar tensors to the subtree's traced tensor.
 */
type Compiled = number | ((vars: readonly Tensor[]) => Tensor);

/**
 * Each whitelisted function on both kinds of value: `num` folds constant subtrees with the same
 * formula the tensor version uses; `ten` builds it from autodiff operations. tan, cosh and sinh
 * are not autodiff primitives and are composed here, so their derivatives come from the
 * primitives' rules (and nest to any order).
 */
const FUNCTIONS: Record<FunctionName, { num: (x: number) => number; ten: (x: Tensor) => Tensor }> = {
  sin: { num: Math.sin, ten: sin },
  cos: { num: Math.cos, ten: cos },
  tan: { num: Math.tan, ten: (x) => div(sin(x), cos(x)) },
  exp: { num: Math.exp, ten: exp },
  log: { num: Math.log, ten: log },
  log1p: { num: Math.log1p, ten: log1p },
  sqrt: { num: Math.sqrt, ten: sqrt },
  tanh: { num: Math.tanh, ten: tanh },
  sigmoid: { num: (x) => 1 / (1 + Math.exp(-x)), ten: sigmoid },
  // log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): no overflow for large x.
  softplus: { num: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), ten: softplus },
  abs: { num: Math.abs, ten: abs },
  square: { num: (x) => x * x, ten: square },
  // cosh x = (e^x + e^{-x}) / 2, sinh x = (e^x − e^{-x}) / 2.
  cosh: { num: Math.cosh, ten: (x) => mul(add(exp(x), exp(neg(x))), 0.5) },
  sinh: { num: Math.sinh, ten: (x) => mul(sub(exp(x), exp(neg(x))), 0.5) },
};

const isFunctionName = (name: string): name is FunctionName =>
  (EXPRESSION_FUNCTIONS as readonly string[]).includes(name);

/** Node types that denote something other than one number. */
const NOT_SCALAR: Record<string, string> = {
  ArrayNode: 'a matrix or array literal',
  RangeNode: 'a range',
  AccessorNode: 'an index or property access',
  IndexNode: 'an index',
  ObjectNode: 'an object literal',
  BlockNode: 'several expressions',
};

/** Constructs that parse but are not arithmetic. */
const UNSUPPORTED: Record<string, string> = {
  AssignmentNode: 'an assignment',
  FunctionAssignmentNode: 'a function definition',
  ConditionalNode: 'a conditional (?:)',
  RelationalNode: 'a comparison',
};

const listing = (): string =>
  `valid operators: ${EXPRESSION_OPERATORS.join(' ')}; functions: ${EXPRESSION_FUNCTIONS.join(', ')}; ` +
  `constants: ${Object.keys(EXPRESSION_CONSTANTS).join(', ')}`;

/** Whether a name can be a variable: a plain identifier that is neither a constant nor a function. */
function checkVariableName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ExpressionError(`invalid variable name '${name}': use letters, digits and _ (not starting with a digit)`, 'variables');
  }
  if (name in EXPRESSION_CONSTANTS) {
    throw new ExpressionError(`'${name}' is a constant and cannot be a variable name`, 'variables');
  }
  if (isFunctionName(name)) {
    throw new ExpressionError(`'${name}' is a function and cannot be a variable name`, 'variables');
  }
}

/** Parses, reporting mathjs' syntax errors with their position and a caret under the text. */
function parseText(expr: string): MathNode {
  if (expr.trim() === '') throw new ExpressionError('the expression is empty', 'parse');
  try {
    return parse(expr);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const char = (error as { char?: unknown }).char;
    if (typeof char === 'number' && Number.isFinite(char)) {
      // mathjs' char is 1-based ("(char 6)" for the end of a 5-character text).
      const detail = message.replace(/\s*\(char \d+\)\s*$/, '');
      const oneLine = expr.replace(/[\r\n\t]/g, ' ');
      throw new ExpressionError(
        `cannot parse the expression at character ${char}: ${detail}\n  ${oneLine}\n  ${' '.repeat(Math.max(char - 1, 0))}^`,
        'parse',
        char,
      );
    }
    throw new ExpressionError(`cannot parse the expression: ${message}`, 'parse');
  }
}

/** Free symbols (not constants, not function names) in order of first appearance, reading left to right. */
function freeSymbols(root: MathNode): string[] {
  const seen: string[] = [];
  // mathjs' traverse is a pre-order walk visiting arguments left to right: the text order.
  root.traverse((node, _path, parent) => {
    if (node.type !== 'SymbolNode') return;
    // The function name of a call is a SymbolNode child of the FunctionNode; it is not a variable.
    if (parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node) return;
    const name = (node as unknown as { name: string }).name;
    // A function name used bare (`sin + x`) is not a variable: compileNode reports it.
    if (name in EXPRESSION_CONSTANTS || isFunctionName(name) || seen.includes(name)) return;
    seen.push(name);
  });
  return seen;
}

/**
 * Compiles a scalar loss typed as text into a `ScalarFn` of one flat vector.
 *
 * Grammar (mathjs syntax, through a whitelist): numbers (also `2x` for `2*x`), the constants
 * `pi` and `e`, variables, parentheses, `+ - * /`, unary `-`/`+`, `^`, and the one-argument
 * functions in `EXPRESSION_FUNCTIONS`. `a^p` with a constant exponent p is `pow(a, p)`; with an
 * exponent that depends on a variable it is `exp(p · log a)`, defined for a > 0 only (a
 * constant base ≤ 0 is rejected; a variable base ≤ 0 gives NaN where it occurs).
 *
 * @param expr the loss, e.g. `"(1/2)*(1 - a*b)^2"`.
 * @param variables the variable names in input order. Default: every free symbol, in order of
 *   first appearance reading the text left to right (`"b*a + c"` → b, a, c). When given, the
 *   expression may use only these (a listed variable it does not use is allowed; the loss is
 *   then constant along it).
 * @throws ExpressionError on a parse error (with its 1-based character position), an unknown
 *   function or symbol, an operator or construct outside the whitelist, a non-scalar expression,
 *   a non-finite constant, an invalid variable list, or an expression with no variable.
 */
export function compileLoss(expr: string, variables?: readonly string[]): CompiledLoss {
  const root = parseText(expr);
  const free = freeSymbols(root);
  let names: string[];
  if (variables === undefined) {
    names = free;
  } else {
    names = [...variables];
    for (const name of names) checkVariableName(name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw new ExpressionError(`variable '${duplicate}' is listed twice`, 'variables');
  }
  // Compile once: every error surfaces here, and calling the loss only runs closures.
  const index = new Map(names.map((name, i) => [name, i]));
  const body = compileNode(root, index);
  if (names.length === 0) {
    throw new ExpressionError(
      `the expression '${root.toString()}' has no variable to differentiate by; ` +
        `name one with --vars, or use a symbol other than the constants ${Object.keys(EXPRESSION_CONSTANTS).join(', ')}`,
      'variables',
    );
  }
  const m = names.length;
  const text = root.toString();
  const loss: ScalarFn = (x: Tensor): Tensor => {
    if (x.shape.length !== 1 || x.shape[0] !== m) {
      throw new ExpressionError(
        `the loss '${text}' takes a vector of shape [${m}] (${names.join(', ')}), got shape [${x.shape.join(', ')}]`,
        'variables',
      );
    }
    // A loss constant in every variable still returns a traced scalar so that grad gives zeros.
    if (typeof body === 'number') return add(mul(sum(x), 0), body);
    // Entry i as a scalar tensor: slice keeps it on the tape, reshape drops the length-1 axis.
    return body(names.map((_, i) => reshape(slice(x, i, i + 1), [])));
  };
  return { variables: names, loss, text };
}

/**
 * Compiles one node (and its subtree) into a folded constant or a closure, rejecting anything
 * outside the whitelist with an `ExpressionError`.
 */
function compileNode(node: MathNode, index: ReadonlyMap<string, number>): Compiled {
  const recur = (child: MathNode): Compiled => compileNode(child, index);
  switch (node.type) {
    case 'ParenthesisNode':
      return recur((node as unknown as { content: MathNode }).content);
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value !== 'number') {
        throw new ExpressionError(`the constant ${node.toString()} is not a number`, 'constant');
      }
      if (!Number.isFinite(value)) {
        throw new ExpressionError(`the constant ${node.toString()} is not a finite number`, 'constant');
      }
      return value;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      const constant = EXPRESSION_CONSTANTS[name];
      if (constant !== undefined) return constant;
      const i = index.get(name);
      if (i === undefined) {
        if (isFunctionName(name)) {
          throw new ExpressionError(`'${name}' is a function: call it with one argument, as ${name}(x)`, 'unknown-symbol');
        }
        throw new ExpressionError(
          `unknown symbol '${name}'; variables: ${[...index.keys()].join(', ') || '(none)'}; constants: ${Object.keys(EXPRESSION_CONSTANTS).join(', ')}`,
          'unknown-symbol',
        );
      }
      return (vars) => vars[i] as Tensor;
    }
    case 'FunctionNode': {
      const fnNode = (node as unknown as { fn: MathNode }).fn;
      const args = (node as unknown as { args: MathNode[] }).args;
      if (fnNode.type !== 'SymbolNode') {
        throw new ExpressionError(`cannot call '${fnNode.toString()}': only the functions ${EXPRESSION_FUNCTIONS.join(', ')} may be called`, 'unknown-function');
      }
      const name = (fnNode as unknown as { name: string }).name;
      if (!isFunctionName(name)) {
        throw new ExpressionError(`unknown function '${name}'; valid functions: ${EXPRESSION_FUNCTIONS.join(', ')}`, 'unknown-function');
      }
      if (args.length !== 1) {
        throw new ExpressionError(`${name} takes 1 argument, got ${args.length} in '${node.toString()}'`, 'arity');
      }
      const arg = recur(args[0] as MathNode);
      const f = FUNCTIONS[name];
      return typeof arg === 'number' ? f.num(arg) : (vars) => f.ten(arg(vars));
    }
    case 'OperatorNode':
      return compileOperator(node, recur);
    default: {
      const notScalar = NOT_SCALAR[node.type];
      if (notScalar !== undefined) {
        throw new ExpressionError(
          `the loss must be a scalar expression, but '${node.toString()}' is ${notScalar}`,
          'not-scalar',
        );
      }
      const what = UNSUPPORTED[node.type] ?? `a ${node.type}`;
      throw new ExpressionError(`'${node.toString()}' is ${what}, which a loss cannot contain; ${listing()}`, 'unsupported');
    }
  }
}

/** The binary operators, on numbers (folding) and on tensor-or-number operands (autodiff). */
const BINARY: Record<string, { num: (a: number, b: number) => number; ten: (a: Tensor | number, b: Tensor | number) => Tensor }> = {
  add: { num: (a, b) => a + b, ten: add },
  subtract: { num: (a, b) => a - b, ten: sub },
  multiply: { num: (a, b) => a * b, ten: mul },
  divide: { num: (a, b) => a / b, ten: div },
};

function compileOperator(node: MathNode, recur: (child: MathNode) => Compiled): Compiled {
  const { op, fn, args } = node as unknown as { op: string; fn: string; args: MathNode[] };
  if (args.length === 1 && (fn === 'unaryMinus' || fn === 'unaryPlus')) {
    const a = recur(args[0] as MathNode);
    if (fn === 'unaryPlus') return a;
    return typeof a === 'number' ? -a : (vars) => neg(a(vars));
  }
  if (args.length !== 2 || !(Object.hasOwn(BINARY, fn) || fn === 'pow')) {
    throw new ExpressionError(`unsupported operator '${op}' in '${node.toString()}'; ${listing()}`, 'unsupported');
  }
  const a = recur(args[0] as MathNode);
  const b = recur(args[1] as MathNode);
  if (fn === 'pow') {
    if (typeof a === 'number' && typeof b === 'number') return a ** b;
    // A constant exponent: pow, whose derivative rule p·a^(p−1) is exact for any real p.
    if (typeof b === 'number') return (vars) => pow((a as (vars: readonly Tensor[]) => Tensor)(vars), b);
    // An exponent that depends on a variable: a^b = exp(b · log a), real only for a > 0.
    if (typeof a === 'number') {
      if (!(a > 0)) {
        throw new ExpressionError(
          `'${node.toString()}': an exponent that depends on a variable needs a positive base, got the constant ${a}`,
          'constant',
        );
      }
      const logA = Math.log(a);
      return (vars) => exp(mul(b(vars), logA));
    }
    return (vars) => exp(mul(b(vars), log(a(vars))));
  }
  const rule = BINARY[fn]!;
  if (typeof a === 'number' && typeof b === 'number') return rule.num(a, b);
  if (typeof a === 'number') return (vars) => rule.ten(a, (b as (vars: readonly Tensor[]) => Tensor)(vars));
  if (typeof b === 'number') return (vars) => rule.ten(a(vars), b);
  return (vars) => rule.ten(a(vars), b(vars));
}
