// Structured logs: one JSON line per event. Values under secret-looking keys and
// credentials inside connection strings never reach the output.
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEY = /secret|password|passwd|token|authorization|cookie|signature|api[-_]?key|credential|^uri$|connectionstring/i;
const CREDENTIALS_IN_URL = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/g;

/** A copy of `value` that is safe to log. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(CREDENTIALS_IN_URL, '$1[redacted]@').replace(BEARER, 'Bearer [redacted]');
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? '[redacted]' : redact(item, depth + 1)]),
  );
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  now: () => Date = () => new Date(),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    write(JSON.stringify({ time: now().toISOString(), level: at, event, ...(redact(fields) as object) }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
