/**
 * Keeps the parsers readable: no function in server/src/lint/parsers/ longer than 80 lines (issue 14: the parsers
 * were single closures of 240–306 lines). Measured with the TypeScript compiler API: every function, method,
 * constructor, accessor and arrow with a body, from its first token (JSDoc excluded) to its closing brace, nested
 * functions included in their parent's length.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const MAX_LINES = 80;
const parsersDir = path.resolve(__dirname, '../../../server/src/lint/parsers');

/** Every function of a module with its name (`<anonymous>` when none), first line (1-based) and length in lines. */
function functionLengths(fileName: string, text: string): { name: string; line: number; lines: number }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const named = n.name ?? (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent) ? n.parent.name : undefined);
      out.push({ name: named ? named.getText(sf) : '<anonymous>', line: first + 1, lines: sf.getLineAndCharacterOfPosition(n.end).line - first + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('parser function length', () => {
  it('measures functions, methods and arrows from the first token to the closing brace, nested ones included', () => {
    const text = ['/** doc */', 'function f() {', '  const g = () => {', '    return 1;', '  };', '}', 'class C {', '  m(): void {}', '}', ''].join('\n');
    assert.deepEqual(functionLengths('x.ts', text), [
      { name: 'f', line: 2, lines: 5 },
      { name: 'g', line: 3, lines: 3 },
      { name: 'm', line: 8, lines: 1 },
    ]);
  });

  it(`no function in server/src/lint/parsers/ is longer than ${MAX_LINES} lines`, () => {
    const files = readdirSync(parsersDir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 8, `expected the parser files in ${parsersDir}`);
    const long = files.flatMap((f) =>
      functionLengths(f, readFileSync(path.join(parsersDir, f), 'utf8'))
        .filter((fn) => fn.lines > MAX_LINES)
        .map((fn) => `${f}: ${fn.name} (line ${fn.line}) is ${fn.lines} lines`),
    );
    assert.deepEqual(long, [], `split these into named functions of at most ${MAX_LINES} lines`);
  });
});
