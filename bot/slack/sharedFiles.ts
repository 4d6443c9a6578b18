// The CSV an admin means by `/coursera import`: the file whose link or id they gave, or
// else the latest CSV shared in the conversation they typed in. Read with the bot token,
// as Slack requires for private file URLs.
import { Readable } from 'node:stream';
import type { WebClient } from '@slack/web-api';
import { DomainError } from '../../services/errors.js';
import type { SharedFile } from '../console/command.js';

/** Larger files are refused rather than read: a year of activity reports is far smaller. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
const RECENT_FILES = 20;

interface SlackFile {
  id?: string;
  name?: string;
  filetype?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

/** A file id from what was typed: `F0123ABCD`, or any Slack link that contains one. */
export function fileIdIn(source: string): string | undefined {
  return /(?:^|[/-])(F[A-Z0-9]{6,})(?:$|[/?#])/.exec(source)?.[1];
}

const isCsv = (file: SlackFile) => file.filetype === 'csv' || /\.csv$/i.test(file.name ?? '');

export async function openSharedFile(web: WebClient, botToken: string, source: string | undefined, channelId: string): Promise<SharedFile> {
  const file = source === undefined ? await latestCsv(web, channelId) : await namedFile(web, source);
  if (!isCsv(file)) throw new DomainError('invalid-input', `${file.name ?? 'That file'} is not a CSV file; export the report from Coursera as CSV.`);
  if ((file.size ?? 0) > MAX_IMPORT_BYTES) throw new DomainError('invalid-input', `${file.name} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it and import the parts.`);
  const url = file.url_private_download ?? file.url_private;
  if (!url) throw new DomainError('invalid-input', `Slack gave no download link for ${file.name}.`);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${botToken}` } });
  // Slack answers a request it will not serve with its sign-in page, not an error status.
  if (!response.ok || (response.headers.get('content-type') ?? '').includes('text/html')) {
    throw new DomainError('invalid-input', `Slack did not let License Desk read ${file.name}; make sure the app has the files:read scope and is in this conversation.`);
  }
  const content = Buffer.from(await response.arrayBuffer());
  return { name: file.name ?? file.id!, ref: file.id!, content: Readable.from([content]) };
}

async function namedFile(web: WebClient, source: string): Promise<SlackFile> {
  const id = fileIdIn(source);
  if (!id) throw new DomainError('invalid-input', `"${source.slice(0, 60)}" is not a Slack file link; share the CSV here and give its link, or run the command without one to use the latest CSV shared here.`);
  try {
    return (await web.files.info({ file: id })).file as SlackFile;
  } catch (error) {
    if ((error as { data?: { error?: string } }).data?.error === 'file_not_found') {
      throw new DomainError('not-found', `License Desk cannot see file ${id}: share it in a conversation the app is in.`);
    }
    throw error;
  }
}

async function latestCsv(web: WebClient, channelId: string): Promise<SlackFile> {
  const answer = await web.files.list({ channel: channelId, count: RECENT_FILES });
  const file = (answer.files as SlackFile[] | undefined)?.find(isCsv);
  if (!file) {
    throw new DomainError('not-found', 'No CSV file has been shared in this conversation: upload the report here (or in a direct message to the app), then run the command again, or give the file\'s link.');
  }
  return file;
}
