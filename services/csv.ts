// CSV in and out. Reading finds columns by header whatever their case and spacing, and
// counts unreadable rows instead of failing on them; writing quotes what needs quoting
// and keeps spreadsheet programs from running a cell as a formula.
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { DomainError, invalidInput } from './errors.js';

export function headerKey(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface CsvRow<Column extends string> {
  /** The line the row ends on, for messages. */
  line: number;
  /** Each wanted column's text, trimmed; undefined when the row ends before it. */
  values: Record<Column, string | undefined>;
}

export interface CsvColumns<Column extends string> {
  /** For each column: the header names that mean it (already lower case). */
  headers: Record<Column, readonly string[]>;
  /** Columns a file must have; the message says what file was expected. */
  required: readonly Column[];
  missing: (headers: string[]) => string;
}

/** The rows of a CSV file, column by column as asked; rows that cannot be parsed go to `unreadable`. */
export async function* csvRows<Column extends string>(
  input: Readable | string | Buffer,
  columns: CsvColumns<Column>,
  unreadable: (line: number, reason: string) => void,
): AsyncGenerator<CsvRow<Column>> {
  const names = Object.keys(columns.headers) as Column[];
  const found = {} as Record<Column, string | undefined>;
  const parser = (typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([input]) : input).pipe(
    parse({
      bom: true,
      columns: (headers: string[]) => {
        const keys = headers.map(headerKey);
        for (const name of names) found[name] = keys.find((key) => columns.headers[name].includes(key));
        if (columns.required.some((name) => found[name] === undefined)) throw invalidInput(columns.missing(headers));
        return keys;
      },
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      on_skip: (error) => {
        unreadable(Number(error?.lines ?? 0), error?.message ?? 'unreadable row');
        return undefined;
      },
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
      const values = {} as Record<Column, string | undefined>;
      for (const name of names) {
        const key = found[name];
        const value = key === undefined ? undefined : record[key]?.trim();
        values[name] = value === undefined ? undefined : unguarded(value);
      }
      yield { line: info.lines, values };
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    // csv-parse wraps errors thrown from `columns`; surface ours as they were.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof DomainError) throw cause;
    throw invalidInput(`The file could not be read as CSV: ${(error as Error).message}`);
  }
}

/**
 * A leading =, +, - or @ makes a spreadsheet evaluate the cell; a quote in front stops it.
 * Text that already starts with quotes before such a character gets one more, so that
 * taking one quote off always gives back what was written.
 */
const GUARDED = /^'*[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (GUARDED.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV file: the header, then one line per row, CRLF as RFC 4180 has it. */
export function csvText(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Undoes `cell`'s guard on text read back in (every value `csvRows` reads). */
export function unguarded(text: string): string {
  return text.startsWith("'") && GUARDED.test(text.slice(1)) ? text.slice(1) : text;
}
