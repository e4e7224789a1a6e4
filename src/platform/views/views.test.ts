import { test } from 'node:test';
import assert from 'node:assert/strict';
import nunjucks from 'nunjucks';
import { createViewEnvironment } from './views.js';

const env = createViewEnvironment();
const builtIn = new nunjucks.Environment(null, { autoescape: true });
const render = (e: nunjucks.Environment, value: unknown) => e.renderString('[{{ value | trim }}]', { value });

test('trim removes what nunjucks\' own trim removed, and keeps text marked safe unescaped', () => {
  for (const value of ['  a b  ', '\n\t a\u00a0\n', ' \u2028x\u3000 ', '', '   ', '<b> bold </b>', 'no space']) {
    assert.equal(render(env, value), render(builtIn, value), JSON.stringify(value));
  }
  const safe = new nunjucks.runtime.SafeString('  <b>bold</b>\n  ');
  assert.equal(render(env, safe), '[<b>bold</b>]');
  assert.equal(render(env, '  <b>bold</b> '), '[&lt;b&gt;bold&lt;/b&gt;]');
  // A macro's caller() output, as GOV.UK Frontend's components trim it.
  const template = '{% macro box() %}<div>{{ caller() | trim }}</div>{% endmacro %}{% call box() %}\n    <p>x</p>\n  {% endcall %}';
  assert.equal(env.renderString(template, {}), '<div><p>x</p></div>');
  assert.equal(env.renderString(template, {}), builtIn.renderString(template, {}));
});

test('trim takes time in proportion to the text, not to the square of its runs of spaces', () => {
  // GOV.UK Frontend's macros trim their indented output at every level: nunjucks' own filter
  // took about 460 ms for this one run of spaces (and 12 ms of CPU to render the search form).
  const value = `a${' '.repeat(20_000)}b`;
  const started = performance.now();
  assert.equal(render(env, `  ${value}  `), `[${value}]`);
  const ms = performance.now() - started;
  assert.ok(ms < 50, `trimmed in ${ms.toFixed(1)} ms`);
});
