/** Matches a request path against route patterns such as `/users/:user_id/referrer`. */

export interface CompiledPath {
  readonly pattern: string;
  /** The decoded path parameters, or `null` when the path does not match. */
  match(path: string): Record<string, string> | null;
}

export function compilePath(pattern: string): CompiledPath {
  const parts = split(pattern);
  return {
    pattern,
    match(path) {
      const segments = split(path);
      if (segments.length !== parts.length) return null;
      const params: Record<string, string> = {};
      for (const [i, part] of parts.entries()) {
        const segment = segments[i];
        if (part.startsWith(':')) {
          if (segment === '') return null;
          params[part.slice(1)] = decodeSegment(segment);
        } else if (part !== segment) {
          return null;
        }
      }
      return params;
    },
  };
}

/** `/a/b/` and `/a/b` are one path, as Express and Koa routers treat them by default. */
function split(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: left as sent, so that validation reports it against the parameter.
    return segment;
  }
}
