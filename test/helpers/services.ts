import { connect } from 'node:net';

/**
 * Whether a local service answers on host:port. Tests that need one skip with a clear reason when
 * it does not, on a developer's machine; under CI (CI=true) a missing service is a failure.
 */
export async function serviceSkip(name: string, port: number, host = '127.0.0.1'): Promise<string | false> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (up) return false;
  const reason = `${name} is not reachable on ${host}:${port}`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: database tests may not be skipped`);
  return reason;
}
