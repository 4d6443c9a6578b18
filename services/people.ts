// Who is who: normalised email addresses, finding or creating the person behind one,
// and how to reach them.
import type { Types } from 'mongoose';
import { isDuplicateKeyError, type Contact, type Models, type Person } from '../models/index.js';
import { DomainError, invalidInput } from './errors.js';
import type { Settings } from './settings.js';

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_DISPLAY_NAME_LENGTH = 200;
// Deliberately plain: one @, no spaces, a dot in the domain, no empty labels.
const EMAIL_SHAPE = /^[^\s@]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Trims and lower-cases an address, or throws `invalid-input` saying what is wrong with it. */
export function normaliseEmail(raw: unknown, settings?: Pick<Settings, 'allowedEmailDomains'>): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalidInput('An email address is needed.');
  const email = raw.normalize('NFKC').trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (
    email.length > MAX_EMAIL_LENGTH ||
    at > MAX_LOCAL_PART_LENGTH ||
    !EMAIL_SHAPE.test(email) ||
    email.includes('..')
  ) {
    throw invalidInput(`"${raw.trim().slice(0, 80)}" is not an email address.`, { email: raw });
  }
  const domain = email.slice(at + 1);
  const allowed = settings?.allowedEmailDomains ?? [];
  if (allowed.length > 0 && !allowed.includes(domain)) {
    throw invalidInput(`Only addresses at ${allowed.join(', ')} can apply; ${email} is not one.`, { email });
  }
  return email;
}

/** A display name on one line, trimmed and of reasonable length; undefined when empty. */
export function cleanDisplayName(raw: string | undefined): string | undefined {
  const name = raw?.normalize('NFKC').replace(/\s+/g, ' ').trim().slice(0, MAX_DISPLAY_NAME_LENGTH);
  return name ? name : undefined;
}

export async function findPersonByEmail(models: Models, email: string): Promise<Person | null> {
  return models.Person.findOne({ email }).lean<Person>();
}

const LOOKUP_CHUNK = 1000;

/** The people with these (normalised) addresses, by address, a few queries in all. */
export async function findPeopleByEmail(models: Models, emails: string[]): Promise<Map<string, Person>> {
  const byEmail = new Map<string, Person>();
  for (let start = 0; start < emails.length; start += LOOKUP_CHUNK) {
    const chunk = emails.slice(start, start + LOOKUP_CHUNK);
    for (const person of await models.Person.find({ email: { $in: chunk } }).lean<Person[]>()) byEmail.set(person.email, person);
  }
  return byEmail;
}

export async function getPerson(models: Models, personId: Types.ObjectId | string): Promise<Person> {
  const person = await models.Person.findById(personId).lean<Person>();
  if (!person) throw new DomainError('not-found', 'No such person.', { personId: String(personId) });
  return person;
}

export async function getPersonByEmail(models: Models, raw: string): Promise<Person> {
  const email = normaliseEmail(raw);
  const person = await findPersonByEmail(models, email);
  if (!person) throw new DomainError('not-found', `Nobody with the address ${email} is known here.`);
  return person;
}

/**
 * The person with this (already normalised) address, created in state `none` if new.
 * Safe to race: the unique email index lets exactly one creation through.
 */
export async function findOrCreatePerson(
  models: Models,
  email: string,
  now: Date,
  displayName?: string,
): Promise<Person> {
  const existing = await findPersonByEmail(models, email);
  if (existing) return existing;
  const name = cleanDisplayName(displayName);
  try {
    await models.Person.collection.insertOne({
      email,
      ...(name ? { displayName: name } : {}),
      state: 'none',
      version: 0,
      createdAt: now,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const person = await findPersonByEmail(models, email);
  if (!person) throw new Error(`person ${email} vanished right after being created`);
  return person;
}

/** Remembers how to reach a person in Teams (called on every turn and on app install). */
export async function saveTeamsContact(
  models: Models,
  personId: Types.ObjectId,
  teams: NonNullable<Contact['teams']>,
  now: Date,
): Promise<void> {
  await models.Contact.updateOne({ _id: personId }, { $set: { teams, updatedAt: now } }, { upsert: true });
}

/** Remembers how the Slack workspace knows a person, found when a notice first went there. */
export async function saveSlackContact(
  models: Models,
  personId: Types.ObjectId,
  slack: Pick<Contact, 'slackUserId' | 'slackDmChannelId'>,
  now: Date,
): Promise<void> {
  await models.Contact.updateOne({ _id: personId }, { $set: { ...slack, updatedAt: now } }, { upsert: true });
}

export async function findContact(models: Models, personId: Types.ObjectId): Promise<Contact | null> {
  return models.Contact.findById(personId).lean<Contact>();
}

export async function findPersonIdByTeamsUser(models: Models, teamsUserId: string): Promise<Types.ObjectId | undefined> {
  const contact = await models.Contact.findOne({ 'teams.userId': teamsUserId }, { _id: 1 }).lean<Pick<Contact, '_id'>>();
  return contact?._id;
}
