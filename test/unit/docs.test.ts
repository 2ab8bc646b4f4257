import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withSettingsTable } from '../../src/config/markdown';
import { flagName, SETTING_NAMES } from '../../src/config/settings';
import { ROOT } from '../helpers/run';

describe('documentation is in step with the settings table', () => {
  for (const file of ['README.md', 'docs/configuration.md']) {
    it(`${file} has the current option table (run npm run docs to regenerate it)`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      assert.equal(withSettingsTable(text), text);
      for (const name of SETTING_NAMES) assert.ok(text.includes(`| \`--${flagName(name)}\` | \`${name}\` |`), name);
    });
  }

  it('the README lists every runtime dependency with a reason', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) {
      assert.match(readme, new RegExp(`^\\| \`${dep.replace(/[/@.-]/g, '\\$&')}\` \\| \\S.+\\|$`, 'm'), dep);
    }
  });
});
