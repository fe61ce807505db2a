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
  | 'variables' // the variable list is invalid or the expression has no variable
  | 'too-large'; // longer than MAX_EXPRESSION_LENGTH, nested deeper than MAX_NESTING, or beyond the parser's depth

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

/**
 * A name is a constant only as an own key of {@link EXPRESSION_CONSTANTS}: `constructor`,
 * `toString` or `__proto__` are inherited by every object and would otherwise "be" constants.
 */
const isConstant = (name: string): boolean => Object.hasOwn(EXPRESSION_CONSTANTS, name);

/** The longest expression compiled (characters): a loss typed by a person is far shorter. */
export const MAX_EXPRESSION_LENGTH = 20_000;

/**
 * The deepest nesting of parentheses (and function calls), and the longest tower a ^ b ^ …,
 * compiled. mathjs' parser recurses about 20 frames per level of parentheses and gives up near
 * 260 levels with Node's default stack (130 with half of it), so a fixed limit well below that
 * makes the answer the same everywhere; a tower's derivatives grow with every level.
 */
export const MAX_NESTING = 64;

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
  if (isConstant(name)) {
    throw new ExpressionError(`'${name}' is a constant and cannot be a variable name`, 'variables');
  }
  if (isFunctionName(name)) {
    throw new ExpressionError(`'${name}' is a function and cannot be a variable name`, 'variables');
  }
}

/** The deepest nesting of ( [ { in the text (a linear scan, before the recursive parser sees it). */
function nestingDepth(expr: string): number {
  let depth = 0;
  let max = 0;
  for (const c of expr) {
    if (c === '(' || c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return max;
}

/** The text around 1-based character `char`, at most 60 characters each side, with a caret under it. */
function caret(expr: string, char: number): string {
  const oneLine = expr.replace(/[\r\n\t]/g, ' ');
  const from = Math.max(0, char - 1 - 60);
  const to = Math.min(oneLine.length, char - 1 + 60);
  const shown = `${from > 0 ? '…' : ''}${oneLine.slice(from, to)}${to < oneLine.length ? '…' : ''}`;
  return `  ${shown}\n  ${' '.repeat(Math.max(char - 1 - from + (from > 0 ? 1 : 0), 0))}^`;
}

/** What a loss that the parser or compiler cannot hold is told: its size or depth and the limits. */
function tooLarge(what: string): ExpressionError {
  return new ExpressionError(
    `the expression is ${what}; a loss may have at most ${MAX_EXPRESSION_LENGTH} characters and ${MAX_NESTING} levels of parentheses or of ^`,
    'too-large',
  );
}

/** Parses, reporting mathjs' syntax errors with their position and a caret under the text. */
function parseText(expr: string): MathNode {
  if (expr.trim() === '') throw new ExpressionError('the expression is empty', 'parse');
  if (expr.length > MAX_EXPRESSION_LENGTH) throw tooLarge(`${expr.length} characters long`);
  const depth = nestingDepth(expr);
  if (depth > MAX_NESTING) throw tooLarge(`nested ${depth} levels deep in parentheses`);
  try {
    return parse(expr);
  } catch (error) {
    // A long chain of ^ or of unary operators makes the parser recurse once per operator.
    if (error instanceof RangeError) {
      throw new ExpressionError(
        'the expression is too deeply nested for the parser: a long chain of ^ (which groups to the right) or of unary signs recurses once per operator; shorten the chain',
        'too-large',
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    const char = (error as { char?: unknown }).char;
    if (typeof char === 'number' && Number.isFinite(char)) {
      // mathjs' char is 1-based ("(char 6)" for the end of a 5-character text).
      const detail = message.replace(/\s*\(char \d+\)\s*$/, '');
      throw new ExpressionError(`cannot parse the expression at character ${char}: ${detail}\n${caret(expr, char)}`, 'parse', char);
    }
    throw new ExpressionError(`cannot parse the expression: ${message}`, 'parse');
  }
}

/**
 * A node as text for messages and for the compiled loss's `text`. mathjs' toString recurses once
 * per level; for a tree too deep for the stack the text falls back to `fallback`.
 */
function textOf(node: MathNode, fallback: string): string {
  try {
    return node.toString();
  } catch (error) {
    if (error instanceof RangeError) return fallback.replace(/\s+/g, ' ').trim();
    throw error;
  }
}

/** A node's direct children, in text order (mathjs' forEach is one level, not recursive). */
function childrenOf(node: MathNode): MathNode[] {
  const out: MathNode[] = [];
  node.forEach((child: MathNode) => void out.push(child));
  return out;
}

/** Free symbols (not constants, not function names) in order of first appearance, reading left to right. */
function freeSymbols(root: MathNode): string[] {
  const seen = new Set<string>();
  // A pre-order walk visiting arguments left to right (the text order), on an explicit stack:
  // mathjs' own traverse recurses once per level and overflows on a 3000-term sum.
  const stack: { node: MathNode; parent: MathNode | null }[] = [{ node: root, parent: null }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, parent: node });
    if (node.type !== 'SymbolNode') continue;
    // The function name of a call is a SymbolNode child of the FunctionNode; it is not a variable.
    if (parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node) continue;
    const name = (node as unknown as { name: string }).name;
    // A function name used bare (`sin + x`) is not a variable: compileNode reports it.
    if (isConstant(name) || isFunctionName(name)) continue;
    seen.add(name);
  }
  return [...seen];
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
  let body: Compiled;
  try {
    body = compileNode(root, index);
  } catch (error) {
    // Chains are compiled without recursion; only nesting the limits above allow can recurse, so
    // this is a safety net for a stack already nearly used up by the caller.
    if (error instanceof RangeError) throw tooLarge('too deeply nested to compile');
    throw error;
  }
  if (names.length === 0) {
    throw new ExpressionError(
      `the expression '${textOf(root, expr)}' has no variable to differentiate by; ` +
        `name one with --vars, or use a symbol other than the constants ${Object.keys(EXPRESSION_CONSTANTS).join(', ')}`,
      'variables',
    );
  }
  const m = names.length;
  const text = textOf(root, expr);
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

type Closure = (vars: readonly Tensor[]) => Tensor;

/**
 * Compiles one node (and its subtree) into a folded constant or a closure, rejecting anything
 * outside the whitelist with an `ExpressionError`. Chains that can be long without parentheses
 * (`a + b - c + …`, `a * b / c …`, towers `a ^ b ^ c …`, `---a`, `((a))`) are walked in a loop
 * and evaluated in a loop, so their length costs no stack; everything else nests only as deep as
 * the parentheses, which {@link MAX_NESTING} bounds.
 */
function compileNode(start: MathNode, index: ReadonlyMap<string, number>): Compiled {
  let node = start;
  let negations = 0;
  // Parentheses and unary signs in front of a subtree: unwrapped in a loop.
  for (;;) {
    if (node.type === 'ParenthesisNode') {
      node = (node as unknown as { content: MathNode }).content;
      continue;
    }
    if (node.type === 'OperatorNode') {
      const { fn, args } = node as unknown as { fn: string; args: MathNode[] };
      if (args.length === 1 && (fn === 'unaryMinus' || fn === 'unaryPlus')) {
        if (fn === 'unaryMinus') negations++;
        node = args[0]!;
        continue;
      }
    }
    break;
  }
  const value = compileBare(node, index);
  // Negation is exact, so an even number of minus signs is the value itself, bit for bit.
  if (negations % 2 === 0) return value;
  return typeof value === 'number' ? -value : (vars) => neg(value(vars));
}

/** A node that is not a parenthesis or a unary sign (see {@link compileNode}). */
function compileBare(node: MathNode, index: ReadonlyMap<string, number>): Compiled {
  const recur = (child: MathNode): Compiled => compileNode(child, index);
  switch (node.type) {
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value !== 'number') {
        throw new ExpressionError(`the constant ${textOf(node, '?')} is not a number`, 'constant');
      }
      if (!Number.isFinite(value)) {
        throw new ExpressionError(`the constant ${textOf(node, '?')} is not a finite number`, 'constant');
      }
      return value;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      if (isConstant(name)) return EXPRESSION_CONSTANTS[name]!;
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
        throw new ExpressionError(`cannot call '${textOf(fnNode, '?')}': only the functions ${EXPRESSION_FUNCTIONS.join(', ')} may be called`, 'unknown-function');
      }
      const name = (fnNode as unknown as { name: string }).name;
      if (!isFunctionName(name)) {
        throw new ExpressionError(`unknown function '${name}'; valid functions: ${EXPRESSION_FUNCTIONS.join(', ')}`, 'unknown-function');
      }
      if (args.length !== 1) {
        throw new ExpressionError(`${name} takes 1 argument, got ${args.length} in '${textOf(node, name)}'`, 'arity');
      }
      const arg = recur(args[0] as MathNode);
      const f = FUNCTIONS[name];
      return typeof arg === 'number' ? f.num(arg) : (vars) => f.ten(arg(vars));
    }
    case 'OperatorNode':
      return compileOperator(node, recur);
    default: {
      if (Object.hasOwn(NOT_SCALAR, node.type)) {
        throw new ExpressionError(
          `the loss must be a scalar expression, but '${textOf(node, '?')}' is ${NOT_SCALAR[node.type]}`,
          'not-scalar',
        );
      }
      const what = Object.hasOwn(UNSUPPORTED, node.type) ? UNSUPPORTED[node.type] : `a ${node.type}`;
      throw new ExpressionError(`'${textOf(node, '?')}' is ${what}, which a loss cannot contain; ${listing()}`, 'unsupported');
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

/** Operators of equal precedence that mathjs chains left-deep: `a - b + c` is `(a - b) + c`. */
const LEFT_CHAINS: Record<string, readonly string[]> = { add: ['add', 'subtract'], subtract: ['add', 'subtract'], multiply: ['multiply', 'divide'], divide: ['multiply', 'divide'] };

function isBinary(node: MathNode, fns: readonly string[]): boolean {
  if (node.type !== 'OperatorNode') return false;
  const { fn, args } = node as unknown as { fn: string; args: MathNode[] };
  return args.length === 2 && fns.includes(fn);
}

function compileOperator(node: MathNode, recur: (child: MathNode) => Compiled): Compiled {
  const { op, fn, args } = node as unknown as { op: string; fn: string; args: MathNode[] };
  if (args.length !== 2 || !(Object.hasOwn(BINARY, fn) || fn === 'pow')) {
    throw new ExpressionError(`unsupported operator '${op}' in '${textOf(node, op)}'; ${listing()}`, 'unsupported');
  }
  if (fn === 'pow') return compileTower(node, recur);
  // The left spine of a chain, ((a ∘ b) ∘ c) ∘ d: its right operands and operators, innermost first.
  const steps: { fn: string; operand: MathNode }[] = [];
  let left: MathNode = node;
  while (isBinary(left, LEFT_CHAINS[fn]!)) {
    const { fn: f, args: lr } = left as unknown as { fn: string; args: MathNode[] };
    steps.push({ fn: f, operand: lr[1]! });
    left = lr[0]!;
    // Parentheses on the spine, (a + b) + c, keep it one chain: the grouping is the same.
    while (left.type === 'ParenthesisNode' && isBinary((left as unknown as { content: MathNode }).content, LEFT_CHAINS[fn]!)) {
      left = (left as unknown as { content: MathNode }).content;
    }
  }
  steps.reverse();
  // Fold from the left as the tree would: constants while both sides are constants, then tensors.
  let acc = recur(left);
  const tail: { rule: (typeof BINARY)[string]; operand: Compiled }[] = [];
  for (const step of steps) {
    const rule = BINARY[step.fn]!;
    const operand = recur(step.operand);
    if (typeof acc === 'number' && typeof operand === 'number' && tail.length === 0) acc = rule.num(acc, operand);
    else tail.push({ rule, operand });
  }
  if (tail.length === 0) return acc;
  const first = acc;
  return (vars) => {
    let value: Tensor | number = typeof first === 'number' ? first : first(vars);
    for (const { rule, operand } of tail) value = rule.ten(value, typeof operand === 'number' ? operand : operand(vars));
    return value as Tensor;
  };
}

/**
 * A tower a ^ b ^ c ^ … (right-deep: a ^ (b ^ (c ^ …))), evaluated from the top exponent down in
 * a loop. Each level is `pow(base, p)` for a constant exponent p (its rule p·a^(p−1) is exact for
 * any real p), or `exp(p · log base)` for an exponent that depends on a variable (real only for
 * base > 0; a constant base ≤ 0 there is refused).
 */
function compileTower(node: MathNode, recur: (child: MathNode) => Compiled): Compiled {
  const bases: MathNode[] = [];
  const levels: MathNode[] = [];
  let top: MathNode = node;
  while (isBinary(top, ['pow'])) {
    const lr = (top as unknown as { args: MathNode[] }).args;
    bases.push(lr[0]!);
    levels.push(top);
    top = lr[1]!;
  }
  // a ^ b ^ c groups to the right: a tower nests like parentheses, and its derivatives grow with
  // each level, so it has the same limit.
  if (bases.length > MAX_NESTING) throw tooLarge(`a tower of ${bases.length} ^ operators, each grouping to the right (it nests like parentheses)`);
  let exponent = recur(top);
  // From the top down: each level's base against the exponent above it.
  const steps: ((e: Tensor | number, vars: readonly Tensor[]) => Tensor)[] = [];
  for (let k = bases.length - 1; k >= 0; k--) {
    const base = recur(bases[k]!);
    if (typeof base === 'number' && typeof exponent === 'number' && steps.length === 0) {
      exponent = base ** exponent;
      continue;
    }
    const variableExponent = steps.length > 0 || typeof exponent !== 'number';
    if (!variableExponent) {
      // A constant exponent over a variable base.
      steps.push((e, vars) => pow((base as Closure)(vars), e as number));
    } else if (typeof base === 'number') {
      if (!(base > 0)) {
        throw new ExpressionError(
          `'${textOf(levels[k]!, 'the power')}': an exponent that depends on a variable needs a positive base, got the constant ${base}`,
          'constant',
        );
      }
      const logA = Math.log(base);
      steps.push((e) => exp(mul(e as Tensor, logA)));
    } else {
      steps.push((e, vars) => exp(mul(e as Tensor, log(base(vars)))));
    }
  }
  if (steps.length === 0) return exponent;
  const innermost = exponent;
  return (vars) => {
    let e: Tensor | number = typeof innermost === 'number' ? innermost : innermost(vars);
    for (const step of steps) e = step(e, vars);
    return e as Tensor;
  };
}
