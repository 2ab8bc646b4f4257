// Regenerates the option tables in README.md and docs/configuration.md from src/config/settings.ts.
// Run `npm run docs` after changing a setting; test/unit/docs.test.ts fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { withSettingsTable } = require('../dist/src/config/markdown.js');

for (const file of ['README.md', 'docs/configuration.md']) {
  const path = new URL(`../${file}`, import.meta.url);
  const before = readFileSync(path, 'utf8');
  const after = withSettingsTable(before);
  if (after !== before) {
    writeFileSync(path, after);
    console.log(`updated ${file}`);
  }
}
