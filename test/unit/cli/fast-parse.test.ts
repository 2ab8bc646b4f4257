import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildProgram, fastParse } from '../../../src/cli/main';
import type { SettingName } from '../../../src/config/settings';

/** What commander makes of a command line: the flags, the command and its arguments. */
function viaCommander(argv: string[]) {
  const flags = new Map<SettingName, string>();
  const program = buildProgram(flags, argv);
  let seen: { command: string | undefined; args: string[] } | undefined;
  program.action((command: string | undefined, args: string[]) => {
    seen = { command, args };
  });
  program.parse(argv, { from: 'user' });
  return { flags: Object.fromEntries(flags), command: seen?.command, args: seen?.args };
}

describe('fastParse agrees with commander wherever it answers', () => {
  const lines: string[][] = [
    ['node', 'app.js'],
    ['--service_name', 'shop', 'node', 'app.js', '--port', '3'],
    ['--service-name=shop', '--traces_exporter', 'console', 'node', '--inspect', 'app.js'],
    ['--traces_exporter=console,otlp', '--', 'node', 'app.js', '--', '-x'],
    ['--log_level', 'info', 'npm', 'start'],
    ['--exporter_otlp_headers', 'a=b,c=d', '--exporter-otlp-headers=e=f', 'sh', '-c', 'echo hi'],
    ['--service_name=', 'node', 'app.js'],
    ['--', '--not-a-flag-but-a-command'],
    ['--sdk_disabled', 'true', 'node', 'config'],
  ];
  for (const argv of lines) {
    it(JSON.stringify(argv), () => {
      const fast = fastParse(argv);
      assert.ok(fast, 'the fast path answers');
      assert.deepEqual(
        { flags: Object.fromEntries(fast.flags), command: fast.command, args: [...fast.args] },
        viaCommander(argv),
      );
    });
  }

  it('leaves to commander what it does not handle', () => {
    for (const argv of [
      [],
      ['--help'],
      ['-h'],
      ['--version'],
      ['-V'],
      ['config', '--json'],
      ['--service_name', 'x', 'config'],
      ['--service_name'],
      ['--service_name', '--odd-value', 'node'],
      ['--traces_exportr', 'console', 'node'],
      ['--service_name', 'x'],
      ['-x', 'node'],
    ]) {
      assert.equal(fastParse(argv), undefined, JSON.stringify(argv));
    }
  });
});
