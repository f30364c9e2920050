// The retention editor's and status dialog's words, checked in Node without a browser (the
// module touches the DOM only when called to build elements): grace periods in the unit that
// fits, 0 as final at once, counts with their nouns, and exempt experiments for experiment
// policies. Run by ctest as `node --test`.
import assert from 'node:assert/strict';
import test from 'node:test';
import { formatGrace, graceText, previewText } from '../../web/retention.js';

test('grace periods read in the unit that fits', () => {
  const cases = [[1, '1 second'], [5, '5 seconds'], [60, '1 minute'], [90, '90 seconds'],
                 [5400, '90 minutes'], [3600, '1 hour'], [86400, '24 hours'],
                 [90000, '25 hours'], [172800, '2 days'], [259200, '3 days'],
                 [2592000, '30 days'], [100000, 'about 27.8 hours']];
  for (const [seconds, words] of cases) assert.equal(formatGrace(seconds), words, `${seconds}`);
});

test('no grace is final at once; an absent grace is the default 24 hours', () => {
  assert.equal(graceText(0), 'Deletion is final at once: deleted data cannot be restored.');
  assert.match(graceText(undefined), /for 24 hours\.$/);
  assert.match(graceText(null), /for 24 hours\.$/);
  assert.match(graceText(5), /for 5 seconds\.$/);
});

const cutoff = '2026-01-01T00:00:00Z';

test('logs: rows, exempt rows and held-back rows with their nouns', () => {
  const one = previewText({ cutoff, rows: 1, exempt: 1, held_back: 1 }, 'project_logs');
  assert.match(one, /^1 row would be deleted now/);
  assert.ok(one.includes(' 1 row is kept by the exempt filter.'), one);
  assert.ok(one.includes(' 1 more row waits until an export has written it.'), one);
  const two = previewText({ cutoff, rows: 2, exempt: 2, held_back: 2 }, 'project_logs');
  assert.match(two, /^2 rows would be deleted now/);
  assert.ok(two.includes(' 2 rows are kept by the exempt filter.'), two);
  assert.ok(two.includes(' 2 more rows wait until an export has written them.'), two);
  const none = previewText({ cutoff, rows: 0, exempt: 0, held_back: 0 }, 'dataset');
  assert.ok(!none.includes('exempt') && !none.includes('wait'), none);
});

test('experiments: exempt counts experiments, held back counts rows', () => {
  const text = previewText({ cutoff, rows: 7, experiments: 1, exempt: 3, held_back: 4 },
                           'experiment');
  assert.match(text, /^1 experiment \(7 rows\) would be deleted now/);
  assert.ok(text.includes(' 3 experiments are kept by the exempt filter.'), text);
  assert.ok(text.includes(' 4 more rows wait'), text);
});
