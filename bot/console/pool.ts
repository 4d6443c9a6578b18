// Commands about the pool as a whole: how it stands, who is next, how many licenses there
// are, and the policy settings.
import { PERSON_STATES, type PersonState } from '../../models/index.js';
import { noticeCounts } from '../../services/notifications/outbox.js';
import { runInactivity } from '../../jobs/inactivity.js';
import { formatDate, formatDateTime, turnoverWindowOf } from '../../services/policy.js';
import { headOfQueue, queueLength } from '../../services/queue.js';
import { seatsTaken } from '../../services/seats.js';
import { DEFAULT_SETTINGS, loadSettings, updateSettings, validateSettings, type Settings } from '../../services/settings.js';
import { defineCommand, UsageError, type ConsoleContext } from './command.js';
import { fields, list, note, reply, text } from './reply.js';

const QUEUE_SHOWN = 10;

const counted = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const QUEUE_MOST = 50;
const MAX_CAPACITY = 100_000;

async function peopleByState(ctx: ConsoleContext): Promise<Record<PersonState, number>> {
  const counts = Object.fromEntries(PERSON_STATES.map((state) => [state, 0])) as Record<PersonState, number>;
  for (const group of await ctx.models.Person.aggregate<{ _id: PersonState; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }])) {
    if (group._id in counts) counts[group._id] = group.n;
  }
  return counts;
}

export const stats = defineCommand<void>({
  name: 'stats',
  usage: 'stats',
  summary: 'capacity, holders by state, the queue, this month’s turnover, warnings due, notices in trouble',
  example: 'stats',
  parse: (args) => args.end(),
  async run(ctx) {
    const now = ctx.clock.now();
    const settings = await loadSettings(ctx.models);
    const zone = settings.timeZone;
    const [states, notices, taken, inLine, due] = await Promise.all([
      peopleByState(ctx),
      noticeCounts(ctx.models),
      seatsTaken(ctx.models),
      queueLength(ctx.models),
      runInactivity(ctx, { dryRun: true }),
    ]);
    const window = turnoverWindowOf(now, settings);
    const run = await ctx.models.TurnoverRun.findById(window.month).lean();
    const turnover = run?.finishedAt
      ? `done ${formatDate(run.finishedAt, zone)}: ${String(run.summary?.invited ?? 0)} invited`
      : run
        ? `started ${formatDateTime(run.startedAt, zone)}, not finished`
        : now < window.opensAt
          ? `not yet; the window opens ${formatDate(window.opensAt, zone)}`
          : now < window.closesAt
            ? 'not run yet; the window is open'
            : 'did not run this month';
    const trouble = notices.failed + notices.undeliverable + notices.uncertain;
    const sections = [
      fields([
        ['Licenses held', `${taken} of ${settings.capacity} (${Math.max(0, settings.capacity - taken)} free)`],
        ['Invited, not started', String(states.invited)],
        ['Active', String(states.active)],
        ['Warned', String(states.warned)],
        ['Paused', `${states.paused + states.paused_ready} (${states.paused_ready} ready to come back)`],
        ['Waiting', `${inLine} in line, ${states.on_hold} more on hold`],
        [`Turnover ${window.month}`, turnover],
        ['Inactivity due now', `${counted(due.warned.length, 'warning')}, ${counted(due.revoked.length, 'revocation')}`],
        ['Notices', `${notices.pending} pending, ${notices.sent} sent`],
        ['Notices in trouble', `${notices.undeliverable} undeliverable, ${notices.failed} failed, ${notices.uncertain} uncertain`],
      ]),
    ];
    if (trouble > 0) sections.push(note('See them with `notices failed`; send one again with `retry <id>`.'));
    return reply(`License pool on ${formatDate(now, zone)}`, sections, {
      data: { capacity: settings.capacity, seatsTaken: taken, states, queueLength: inLine, turnover: { month: window.month, run }, inactivityDue: { warnings: due.warned.length, revocations: due.revoked.length }, notices },
    });
  },
});

export const queue = defineCommand<{ count: number }>({
  name: 'queue',
  usage: `queue [n]`,
  summary: `the next n people in line (${QUEUE_SHOWN} unless you say; at most ${QUEUE_MOST})`,
  example: 'queue 20',
  parse(args) {
    const count = args.optionalNumber('n', 1, QUEUE_MOST) ?? QUEUE_SHOWN;
    args.end();
    return { count };
  },
  async run(ctx, { count }) {
    const settings = await loadSettings(ctx.models);
    const [head, total, onHold] = await Promise.all([
      headOfQueue(ctx.models, settings, count),
      queueLength(ctx.models),
      ctx.models.Person.countDocuments({ state: 'on_hold' }),
    ]);
    const items = head.map((person, index) => {
      const since = person.state === 'paused_ready' && person.readyAt ? `back from a pause, ready since ${formatDate(person.readyAt, settings.timeZone)}` : person.appliedAt ? `applied ${formatDate(person.appliedAt, settings.timeZone)}` : '';
      return `${index + 1}. ${person.email}${person.displayName ? ` (${person.displayName})` : ''}${since ? `, ${since}` : ''}`;
    });
    return reply(`Queue: ${total} in line${onHold > 0 ? `, ${onHold} on hold` : ''}`, [list(items.length > 0 ? items : ['nobody is waiting'])], {
      data: { total, onHold, head: head.map((p, i) => ({ position: i + 1, email: p.email, state: p.state, appliedAt: p.appliedAt })) },
    });
  },
});

export const capacity = defineCommand<{ to?: number }>({
  name: 'capacity',
  usage: 'capacity [n]',
  summary: 'how many licenses may be held at once; with n, change it (asks to confirm)',
  example: 'capacity 320',
  parse(args) {
    const to = args.optionalNumber('The capacity', 0, MAX_CAPACITY);
    args.end();
    return to === undefined ? {} : { to };
  },
  async preview(ctx, { to }) {
    if (to === undefined) return undefined;
    const [settings, taken] = await Promise.all([loadSettings(ctx.models), seatsTaken(ctx.models)]);
    if (to === settings.capacity) return reply(`Nothing to do: the capacity is already ${to}.`);
    const effect =
      to < taken
        ? `${taken} licenses are held now: nobody loses theirs, and nobody is invited until fewer than ${to} are held.`
        : `${to - taken} licenses will be free for the next turnover (${Math.max(0, settings.capacity - taken)} now).`;
    return reply(`Change the capacity from ${settings.capacity} to ${to}?`, [text(effect)], { tone: 'preview' });
  },
  async run(ctx, { to }) {
    const [settings, taken] = await Promise.all([loadSettings(ctx.models), seatsTaken(ctx.models)]);
    if (to === undefined) {
      return reply(`Capacity: ${settings.capacity} licenses`, [text(`${taken} held, ${Math.max(0, settings.capacity - taken)} free.`)], { data: { capacity: settings.capacity, seatsTaken: taken } });
    }
    const updated = await updateSettings(ctx.models, { capacity: to }, { actor: ctx.actor, at: ctx.clock.now() });
    return reply(`Capacity is now ${updated.capacity}.`, [], { tone: 'done', data: { capacity: updated.capacity, seatsTaken: taken } });
  },
});

type SettingName = keyof Settings;
const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS) as SettingName[];

/** A setting's new value as typed: numbers, yes/no, comma lists, text ("-" empties a list or text). */
function settingValue(name: SettingName, raw: string): Settings[SettingName] {
  const kind = DEFAULT_SETTINGS[name];
  if (typeof kind === 'number') {
    if (!/^\d+$/.test(raw)) throw new UsageError(`${name} takes a whole number; got "${raw}".`);
    return Number(raw);
  }
  if (typeof kind === 'boolean') {
    const answer = { true: true, yes: true, on: true, false: false, no: false, off: false }[raw.toLowerCase()];
    if (answer === undefined) throw new UsageError(`${name} takes yes or no; got "${raw}".`);
    return answer;
  }
  if (Array.isArray(kind)) return raw === '-' ? [] : raw.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  return raw === '-' ? '' : raw;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : '(none)';
  if (value === '') return '(empty)';
  return String(value);
}

export const settings = defineCommand<{ name?: SettingName; value?: Settings[SettingName] }>({
  name: 'settings',
  usage: 'settings [name value]',
  summary: 'the policy settings; with a name and a value, change one (asks to confirm)',
  example: 'settings programContact learning@example.org',
  parse(args) {
    const name = args.word();
    if (name === undefined) return {};
    const match = SETTING_NAMES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!match) throw new UsageError(`There is no setting "${name.slice(0, 40)}". Settings are: ${SETTING_NAMES.join(', ')}.`);
    const raw = args.rest();
    if (!raw) throw new UsageError(`Give the new value after ${match} ("-" to empty it).`);
    return { name: match, value: settingValue(match, raw) };
  },
  async preview(ctx, { name, value }) {
    if (name === undefined) return undefined;
    const current = await loadSettings(ctx.models);
    // Checked now, so a bad value is refused before anyone confirms it.
    validateSettings({ ...current, [name]: value });
    if (JSON.stringify(current[name]) === JSON.stringify(value)) return reply(`Nothing to do: ${name} is already ${shown(value)}.`);
    return reply(`Change ${name}?`, [fields([['Now', shown(current[name])], ['New', shown(value)]])], { tone: 'preview' });
  },
  async run(ctx, { name, value }) {
    if (name === undefined) {
      const current = await loadSettings(ctx.models);
      return reply('Settings', [fields(SETTING_NAMES.map((setting) => [setting, shown(current[setting])] as const)), note('Change one with `settings <name> <value>`.')], {
        data: current,
      });
    }
    const updated = await updateSettings(ctx.models, { [name]: value }, { actor: ctx.actor, at: ctx.clock.now() });
    const schedule = name.endsWith('Schedule') || name === 'timeZone' ? ' Job schedules take the change when the bot next starts.' : '';
    return reply(`${name} is now ${shown(updated[name])}.${schedule}`, [], { tone: 'done', data: updated });
  },
});

