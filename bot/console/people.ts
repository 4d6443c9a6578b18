// Commands about one person: look them up, act on their behalf (apply, pause, ready,
// release) or as an admin (invite, revoke, restore). The licensing service decides and
// records every change; these only find the person, preview and word the outcome.
import type { Person } from '../../models/index.js';
import { historyOf, personSubject } from '../../services/audit.js';
import { DomainError } from '../../services/errors.js';
import { plannedMove, STATE_WORDS, type Action, type Outcome } from '../../services/licensing.js';
import { findPersonByEmail, getPersonByEmail } from '../../services/people.js';
import { endOfLicenseYear, formatDate, formatDateTime, isSeatHolder } from '../../services/policy.js';
import { seatsTaken } from '../../services/seats.js';
import { loadSettings } from '../../services/settings.js';
import { defineCommand, type ConsoleContext } from './command.js';
import { fields, list, note, reply, text, type Reply } from './reply.js';

/** How many audit events `who` shows, newest last. */
const HISTORY_SHOWN = 15;

interface PersonInput {
  email: string;
  reason?: string;
}

export const who = defineCommand<PersonInput>({
  name: 'who',
  usage: 'who <email>',
  summary: "a person's state, dates, place in line, notices and history",
  example: 'who alex.doe@example.org',
  parse(args) {
    const email = args.email();
    args.end();
    return { email };
  },
  async run(ctx, { email }) {
    const person = await getPersonByEmail(ctx.models, email);
    const settings = await loadSettings(ctx.models);
    const zone = settings.timeZone;
    const standing = await ctx.licensing.standing(person);
    const facts: [string, string][] = [['State', STATE_WORDS[person.state]]];
    if (person.displayName) facts.push(['Name', person.displayName]);
    if (standing.position !== undefined) facts.push(['Place in line', `#${standing.position}`]);
    if (standing.estimate) facts.push(['Expected', `turnover of ${standing.estimate.month}`]);
    if (person.appliedAt) facts.push(['Applied', formatDate(person.appliedAt, zone)]);
    if (standing.license) {
      const license = standing.license;
      facts.push(['Invited', formatDate(license.invitedAt, zone)], ['License ends', formatDate(license.endsAt, zone)]);
      facts.push(['Last activity', license.lastActivityAt ? formatDate(license.lastActivityAt, zone) : 'none seen yet']);
      facts.push([person.warnedAt ? 'Revocation due' : 'Warning due', formatDate(person.warnedAt ? license.revokeAt : license.warnAt, zone)]);
    }
    if (standing.barredUntil) facts.push(['May apply again', formatDate(standing.barredUntil, zone)]);

    const [events, notices] = await Promise.all([
      historyOf(ctx.models, personSubject(person._id)),
      ctx.models.Notice.find({ personId: person._id }).sort({ createdAt: -1 }).limit(5).lean(),
    ]);
    const shown = events.slice(-HISTORY_SHOWN);
    const history = shown.map((event) => {
      const change = event.from && event.to ? `${event.from} → ${event.to}` : event.action;
      const why = event.reason ? ` (${event.reason})` : '';
      return `${formatDateTime(event.at, zone)}: ${event.action}, ${change}, by ${event.actor.kind} ${event.actor.id}${why}`;
    });
    const sections = [fields(facts), text('*History*'), list(history.length > 0 ? history : ['nothing recorded'])];
    if (events.length > shown.length) sections.push(note(`Showing the last ${shown.length} of ${events.length} events; \`export audit\` has them all.`));
    if (notices.length > 0) {
      sections.push(
        text('*Notices*'),
        list(notices.map((n) => `\`${n._id}\` ${n.kind}: ${n.status}${n.lastError ? ` (${n.lastError})` : ''}`)),
      );
    }
    return reply(person.email, sections, { data: { person, standing, history: events, notices } });
  },
});

export const apply = defineCommand<{ email: string; name?: string }>({
  name: 'apply',
  usage: 'apply <email> [name]',
  summary: 'put someone who wrote in on the waitlist',
  example: 'apply alex.doe@example.org Alex Doe',
  parse(args) {
    const email = args.email();
    const name = args.rest();
    return { email, ...(name ? { name } : {}) };
  },
  async run(ctx, { email, name }) {
    const outcome = await ctx.licensing.apply({ email, ...(name ? { displayName: name } : {}) }, ctx.actor);
    const standing = await ctx.licensing.standing(outcome.person);
    const place = standing.position !== undefined ? ` at #${standing.position}` : '';
    return reply(outcome.changed ? `${email} is on the waitlist${place}.` : `${email} was already on the waitlist${place}.`, [], {
      tone: outcome.changed ? 'done' : 'info',
      data: { changed: outcome.changed, standing },
    });
  },
});

/** What each change does, in words for the preview and the result. */
interface Change {
  action: Action;
  verb: string;
  done: string;
  /** Whether the command needs a reason (admin actions do; acting for the person may give one). */
  reasonRequired: boolean;
  /** Whether the learner is told (services/notices.ts queues a notice for the change). */
  notifies: boolean;
  consequence: string;
  perform(ctx: ConsoleContext, person: Person, reason: string | undefined): Promise<Outcome>;
}

const CHANGES: Record<'invite' | 'revoke' | 'restore' | 'pause' | 'ready' | 'release', Change> = {
  invite: {
    action: 'admin-invite',
    verb: 'Invite',
    done: 'invited',
    reasonRequired: true,
    notifies: true,
    consequence: 'They get a license now, outside the queue, and an invitation.',
    perform: (ctx, person, reason) => ctx.licensing.adminInvite(person.email, ctx.actor, reason ?? ''),
  },
  revoke: {
    action: 'admin-revoke',
    verb: 'Revoke the license of',
    done: 'revoked',
    reasonRequired: true,
    notifies: true,
    consequence: 'Their license (or place) ends now, they may not apply again this year, and they are told.',
    perform: (ctx, person, reason) => ctx.licensing.adminRevoke(person._id, ctx.actor, reason ?? ''),
  },
  restore: {
    action: 'admin-restore',
    verb: 'Restore the license of',
    done: 'restored',
    reasonRequired: true,
    notifies: true,
    consequence: 'The revocation is undone: they get a license again and an invitation.',
    perform: (ctx, person, reason) => ctx.licensing.adminRestore(person._id, ctx.actor, reason ?? ''),
  },
  pause: {
    action: 'pause',
    verb: 'Pause',
    done: 'paused',
    reasonRequired: false,
    notifies: false,
    consequence: 'A license holder gives the seat back and keeps the right to be re-invited; someone waiting keeps their place but is skipped.',
    perform: (ctx, person, reason) => ctx.licensing.pause(person._id, ctx.actor, reason),
  },
  ready: {
    action: 'ready',
    verb: 'Mark as ready',
    done: 'marked as ready',
    reasonRequired: false,
    notifies: false,
    consequence: 'They go back in line (after a pause, to be re-invited at the next turnover).',
    perform: (ctx, person, reason) => ctx.licensing.ready(person._id, ctx.actor, reason),
  },
  release: {
    action: 'release',
    verb: 'Release the license of',
    done: 'released',
    reasonRequired: false,
    notifies: false,
    consequence: 'The license, or the right to be re-invited, is given up for good; the seat goes to the queue.',
    perform: (ctx, person, reason) => ctx.licensing.release(person._id, ctx.actor, reason),
  },
};

async function personFor(ctx: ConsoleContext, change: Change, email: string): Promise<Person> {
  // Only an admin invitation may name someone new: it creates them.
  if (change.action !== 'admin-invite') return getPersonByEmail(ctx.models, email);
  return (await findPersonByEmail(ctx.models, email)) ?? ({ email, state: 'none' } as Person);
}

async function previewChange(ctx: ConsoleContext, change: Change, { email, reason }: PersonInput): Promise<Reply> {
  const person = await personFor(ctx, change, email);
  if (plannedMove(change.action, person) === 'unchanged') {
    return reply(`Nothing to do: ${email} is already ${STATE_WORDS[person.state]}.`);
  }
  const settings = await loadSettings(ctx.models);
  const facts: [string, string][] = [['Now', STATE_WORDS[person.state]]];
  if (change.action === 'admin-invite' || change.action === 'admin-restore') {
    const taken = await seatsTaken(ctx.models);
    if (taken >= settings.capacity) {
      throw new DomainError('no-seat', `All ${settings.capacity} licenses are taken; raise the capacity or free one first.`);
    }
    facts.push(['Licenses', `${taken} of ${settings.capacity} taken`], ['License until', formatDate(endOfLicenseYear(ctx.clock.now(), settings.timeZone), settings.timeZone)]);
  }
  if (reason) facts.push(['Reason', reason]);
  return reply(`${change.verb} ${email}?`, [fields(facts), text(change.consequence)], { tone: 'preview' });
}

function changeCommand(name: keyof typeof CHANGES) {
  const change = CHANGES[name];
  return defineCommand<PersonInput>({
    name,
    usage: `${name} <email> ${change.reasonRequired ? '<reason>' : '[reason]'}`,
    summary: `${change.verb.toLowerCase()} someone (asks to confirm)`,
    example: `${name} alex.doe@example.org ${change.reasonRequired ? 'approved by the head of learning' : 'on leave until March'}`,
    parse(args) {
      const email = args.email();
      const reason = change.reasonRequired ? args.reason() : args.rest();
      return { email, ...(reason ? { reason } : {}) };
    },
    preview: (ctx, input) => previewChange(ctx, change, input),
    async run(ctx, { email, reason }) {
      const person = await personFor(ctx, change, email);
      const outcome = await change.perform(ctx, person, reason);
      if (!outcome.changed) return reply(`Nothing to do: ${email} is already ${STATE_WORDS[outcome.person.state]}.`);
      if (change.notifies) await ctx.noticesWaiting();
      const seat = isSeatHolder(outcome.person.state) ? ' They hold a license.' : '';
      return reply(`${email} ${change.done}.`, [text(`Now ${STATE_WORDS[outcome.person.state]}.${seat}`)], {
        tone: 'done',
        data: { person: outcome.person },
      });
    },
  });
}

export const invite = changeCommand('invite');
export const revoke = changeCommand('revoke');
export const restore = changeCommand('restore');
export const pause = changeCommand('pause');
export const ready = changeCommand('ready');
export const release = changeCommand('release');
