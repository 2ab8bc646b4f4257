const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i;

/**
 * Removes user and password from a URL so that it can be printed. Text that does not parse as a
 * URL with credentials (a mistyped endpoint such as `user:pw@host:4318`) loses whatever stands
 * before an `@` in its authority too.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      return u.toString();
    }
  } catch {
    // not a URL: fall through to the textual rule
  }
  return url.replace(USERINFO, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}
