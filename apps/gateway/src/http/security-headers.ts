import type { NextFunction, Request, Response } from 'express';

/**
 * Response headers for a JSON-only API (OWASP HTTP headers cheat sheet): nothing may be sniffed, framed,
 * embedded cross-origin, leak a referrer or be cached (answers carry session tokens). HSTS only in
 * production, where TLS is terminated in front of the service; a local http:// run must not pin it.
 */
export function securityHeaders(options: { production: boolean }): (req: Request, res: Response, next: NextFunction) => void {
  const headers: [string, string][] = [
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ['Cache-Control', 'no-store'],
  ];
  if (options.production) headers.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
