// What an admin command answers, as plain data: the Slack console renders it as Block Kit,
// the terminal as text (tools/admin). Text may use *bold* and `code`; everything else in it
// is shown as written, so names and reasons typed by people need no escaping here.

export type Section =
  /** A heading inside the reply. */
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string }
  /** Label and value pairs, shown side by side where there is room. */
  | { kind: 'fields'; fields: readonly (readonly [string, string])[] }
  | { kind: 'list'; items: readonly string[] }
  /** Small print: where the numbers come from, what to do next. */
  | { kind: 'note'; text: string };

export interface ReplyFile {
  name: string;
  title: string;
  content: string;
}

export interface Reply {
  /** One line: what this is. */
  title: string;
  tone: 'info' | 'done' | 'refused' | 'preview';
  sections: Section[];
  /** A CSV the admin asked for (export). */
  file?: ReplyFile;
  /** The same facts for machines (`npm run admin -- … --json`). */
  data?: unknown;
  /**
   * For a preview: the command line its confirmation runs, when the preview pinned down
   * something the admin left open (which file "the latest CSV" was).
   */
  confirmText?: string;
}

export function reply(title: string, sections: Section[] = [], extra: Partial<Omit<Reply, 'title' | 'sections'>> = {}): Reply {
  return { title, tone: 'info', sections, ...extra };
}

export const text = (value: string): Section => ({ kind: 'text', text: value });
export const note = (value: string): Section => ({ kind: 'note', text: value });
export const heading = (value: string): Section => ({ kind: 'heading', text: value });
export const list = (items: readonly string[]): Section => ({ kind: 'list', items });
export const fields = (pairs: readonly (readonly [string, string])[]): Section => ({ kind: 'fields', fields: pairs });
