const SCHEME_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The value of every query parameter, `name=value` → `name=REDACTED` (up to a `#`). */
const QUERY_VALUE = /([?&][^=&#]*=)[^&#]*/g;

/**
 * Removes user and password from a URL so that it can be printed, and the values of its query
 * parameters: an endpoint's query string is where some services take their API key
 * (`?api-key=…`), and which parameters carry one cannot be told. Text that does not parse is
 * treated cautiously: after a scheme (`http://alice:pa/ss@host`, a password pasted without
 * percent-encoding) everything up to the last `@` is taken for credentials; without one
 * (`user:pw@host:4318`), the same unless the `@` stands in what reads as a path.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query >= 0) {
    const hash = url.indexOf('#', query);
    const end = hash < 0 ? url.length : hash;
    url = url.slice(0, query) + url.slice(query, end).replace(QUERY_VALUE, '$1REDACTED') + url.slice(end);
  }
  const scheme = SCHEME_AUTHORITY.exec(url)?.[0];
  if (scheme) {
    try {
      const u = new URL(url);
      if (!u.username && !u.password) return url;
      u.username = '';
      u.password = '';
      return u.toString();
    } catch {
      // not parseable: fall through to the textual rule
    }
  }
  // Without a scheme, an '@' after the first '/' belongs to a path, unless what precedes that '/'
  // looks like user:password (then the '/' is more likely part of the password).
  const slash = scheme ? -1 : url.indexOf('/');
  const userinfoLike = slash >= 0 && url.slice(0, slash).includes(':');
  const at = slash < 0 || userinfoLike ? url.lastIndexOf('@') : url.lastIndexOf('@', slash);
  return at < 0 ? url : `${scheme ?? ''}***${url.slice(at)}`;
}
