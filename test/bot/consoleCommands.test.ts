// The admin console's commands, each run through `answer()` against the real database:
// what the reply says, and that the database changed exactly as it should (or, for
// previews and refusals, not at all). The Slack and terminal front doors are tested
// elsewhere; here the context is built the way both build it, with `consoleContext`.
import { expect } from 'chai';
import { Readable } from 'node:stream';
import sinon from 'sinon';
import { Types } from 'mongoose';
import { answer, commandList, type Answer } from '../../bot/console/commands.js';
import type { SharedFile } from '../../bot/console/command.js';
import { consoleContext } from '../../bot/console/context.js';
import type { Reply } from '../../bot/console/reply.js';
import type { AuditEvent, Notice, NoticeStatus, Person, PersonState } from '../../models/index.js';
import { personSubject } from '../../services/audit.js';
import { ManualClock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';
import { queueNotices } from '../../services/notices.js';
import { getPersonByEmail } from '../../services/people.js';
import { loadSettings, updateSettings } from '../../services/settings.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { admin, bringTo, self, snapshot } from '../support/licensing.js';

/** A Wednesday in March: outside the turnover window (days 1–7), UTC being the org zone. */
const NOW = '2027-03-10T09:00:00Z';

// ---- reading replies ----------------------------------------------------------------

/** Every word a reply shows, title first. */
function shown(reply: Reply): string {
  const parts = [reply.title];
  for (const section of reply.sections) {
    if (section.kind === 'fields') parts.push(...section.fields.map(([label, value]) => `${label}: ${value}`));
    else if (section.kind === 'list') parts.push(...section.items);
    else parts.push(section.text);
  }
  return parts.join('\n');
}

function fieldsOf(reply: Reply): Record<string, string> {
  const found: Record<string, string> = {};
  for (const section of reply.sections) if (section.kind === 'fields') for (const [label, value] of section.fields) found[label] = value;
  return found;
}

function itemsOf(reply: Reply): string[] {
  return reply.sections.flatMap((section) => (section.kind === 'list' ? [...section.items] : []));
}

function textsOf(reply: Reply): string[] {
  return reply.sections.flatMap((section) => (section.kind === 'text' || section.kind === 'note' ? [section.text] : []));
}

describe('the admin console commands', function () {
  const db = useTestDatabase();
  const clock = new ManualClock(NOW);
  let licensing: Licensing;
  let deliverSoon: sinon.SinonSpy<[], Promise<void>>;
  /** CSVs "shared in the conversation", newest last. */
  let shared: { name: string; ref: string; text: string }[];
  let openFile: sinon.SinonSpy<[string | undefined], Promise<SharedFile>>;

  const log = createLogger('error', () => undefined);
  const ctx = () => consoleContext({ models: db(), clock, licensing, log, actor: admin, openFile }, deliverSoon);
  const run = (line: string, confirmed = false): Promise<Answer> => answer(ctx(), line, { confirmed });
  /** Runs a line the way an admin who clicks Confirm does: preview first, then its confirm line. */
  async function confirmed(line: string): Promise<{ preview: Answer; done: Answer }> {
    const preview = await run(line);
    expect(preview.problem, shown(preview.reply)).to.equal(undefined);
    expect(preview.reply.tone).to.equal('preview');
    expect(preview.confirm).to.be.a('string');
    return { preview, done: await run(preview.confirm!, true) };
  }

  const person = (email: string) => db().Person.findOne({ email }).lean<Person>();
  const eventsOf = async (email: string) => {
    const found = await person(email);
    return db().AuditEvent.find({ subject: personSubject(found!._id) }).sort({ seq: 1 }).lean<AuditEvent[]>();
  };
  const lastEventOf = async (email: string) => (await eventsOf(email)).at(-1)!;
  const notices = () => db().Notice.find().sort({ _id: 1 }).lean<Notice[]>();
  /** Everything a command could write: people, the ledger, seats, tickets, settings, notices, turnover runs. */
  async function everything(): Promise<unknown> {
    const [rest, noticeDocs, runs, events] = await Promise.all([
      snapshot(db()),
      db().Notice.find().sort({ _id: 1 }).lean(),
      db().TurnoverRun.find().sort({ _id: 1 }).lean(),
      db().AuditEvent.find().sort({ subject: 1, seq: 1 }).lean(),
    ]);
    return JSON.parse(JSON.stringify({ rest, noticeDocs, runs, events }));
  }
  const make = (state: PersonState, email: string, now = NOW) => bringTo(state, email, { models: db(), licensing, clock, now });
  /**
   * The fixtures' own transitions (bringTo's invitations and so on) owe notices too, and any
   * sweep within eight days queues them: queue them now, so a test sees only what its command adds.
   */
  async function settled(): Promise<Set<string>> {
    await queueNotices(db(), new Date(0));
    return new Set((await notices()).map((n) => n._id));
  }
  const added = async (known: Set<string>) => (await notices()).filter((n) => !known.has(n._id));
  const setCapacity = (capacity: number) => updateSettings(db(), { capacity }, { actor: admin, at: clock.now() });

  beforeEach(async function () {
    await clearDatabase(db());
    clock.set(NOW);
    licensing = new Licensing(db(), clock);
    deliverSoon = sinon.spy(async () => undefined);
    shared = [];
    openFile = sinon.spy(async (source: string | undefined): Promise<SharedFile> => {
      const file = source === undefined ? shared.at(-1) : shared.find((candidate) => candidate.ref === source);
      if (!file) throw new DomainError('not-found', source === undefined ? 'No CSV has been shared here yet.' : `There is no file ${source}.`);
      return { name: file.name, ref: file.ref, content: Readable.from([file.text]) };
    });
  });

  describe('help', function () {
    it('lists every command with its usage and summary', async function () {
      const { reply, problem, confirm } = await run('help');
      expect(problem).to.equal(undefined);
      expect(confirm).to.equal(undefined);
      expect(reply.title).to.equal('License Desk admin commands');
      const items = itemsOf(reply);
      expect(items).to.have.length(commandList().length);
      for (const command of commandList()) expect(items).to.include(`\`${command.usage}\`: ${command.summary}`);
      expect(items.join('\n')).to.include('`invite <email> <reason>`').and.include('`export queue|licenses|audit`').and.include('`retry <notice id>`');
      expect(textsOf(reply).join('\n')).to.include('wait for you to confirm');
    });

    for (const typed of ['', '   ']) {
      it(`answers an empty line (${JSON.stringify(typed)}) with the list too`, async function () {
        const { reply, problem } = await run(typed);
        expect(problem, reply.title).to.equal(undefined);
        expect(reply.title).to.equal('License Desk admin commands');
      });
    }

    it('explains one command, with an example, and knows the year-end alias', async function () {
      const invite = await run('help invite');
      expect(invite.problem).to.equal(undefined);
      expect(invite.reply.title).to.equal('invite <email> <reason>');
      expect(textsOf(invite.reply)).to.deep.equal(['Invite someone (asks to confirm)', 'Example: `invite alex.doe@example.org approved by the head of learning`']);

      const yearEnd = await run('help YEAR-END');
      expect(yearEnd.problem).to.equal(undefined);
      expect(yearEnd.reply.title).to.equal('yearend [preview]');
    });

    it('refuses help about a command that does not exist', async function () {
      const { reply, problem } = await run('help frobnicate');
      expect(problem).to.equal('usage');
      expect(reply.tone).to.equal('refused');
      expect(reply.title).to.equal('There is no command "frobnicate".');
    });
  });

  describe('stats', function () {
    const AT = '2027-06-25T09:00:00Z';

    async function pool() {
      await setCapacity(10);
      await make('active', 'idle@example.org', '2027-04-20T10:00:00Z'); // warning due since 20 May
      await make('warned', 'warned@example.org', '2027-05-25T10:00:00Z'); // revocation due since 20 June
      await make('active', 'busy@example.org', '2027-06-20T10:00:00Z');
      await make('invited', 'new@example.org', '2027-06-20T10:00:00Z');
      await make('paused', 'paused@example.org', '2027-06-01T10:00:00Z');
      await make('paused_ready', 'back@example.org', '2027-06-01T10:00:00Z');
      await make('waiting', 'w1@example.org', '2027-06-02T10:00:00Z');
      await make('waiting', 'w2@example.org', '2027-06-03T10:00:00Z');
      await make('on_hold', 'hold@example.org', '2027-06-04T10:00:00Z');
      const someone = (await person('w1@example.org'))!._id;
      const notice = (id: string, status: NoticeStatus) => ({
        _id: id,
        personId: someone,
        kind: 'invitation',
        seq: 1,
        createdAt: new Date('2027-06-01T00:00:00Z'),
        facts: {},
        status,
        attempts: 1,
        updatedAt: new Date('2027-06-02T00:00:00Z'),
      });
      await db().Notice.insertMany([
        notice('n-failed', 'failed'),
        notice('n-undeliverable-1', 'undeliverable'),
        notice('n-undeliverable-2', 'undeliverable'),
        notice('n-sent', 'sent'),
        notice('n-pending', 'pending'),
      ]);
      clock.set(AT);
    }

    it('counts holders by state, free licenses, the queue, warnings due and notices in trouble, changing nothing', async function () {
      await pool();
      const before = await everything();
      const { reply, problem } = await run('stats');
      expect(problem).to.equal(undefined);
      expect(reply.title).to.equal('License pool on 25 June 2027');
      expect(fieldsOf(reply)).to.deep.equal({
        'Licenses held': '4 of 10 (6 free)',
        'Invited, not started': '1',
        Active: '2',
        Warned: '1',
        Paused: '2 (1 ready to come back)',
        Waiting: '3 in line, 1 more on hold',
        'Turnover 2027-06': 'did not run this month',
        'Inactivity due now': '1 warning, 1 revocation',
        Notices: '1 pending, 1 sent',
        'Notices in trouble': '2 undeliverable, 1 failed, 0 uncertain',
      });
      expect(textsOf(reply).join('\n')).to.include('`notices failed`');
      // Working out the warnings due is a dry run of the inactivity job: nothing moved.
      expect(await everything()).to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);
    });

    it("says how this month's turnover stands: not yet, open, started, done, missed", async function () {
      await setCapacity(2);
      await make('waiting', 'w@example.org', '2027-03-20T10:00:00Z');
      const turnoverField = async () => fieldsOf((await run('stats')).reply);

      await updateSettings(db(), { turnoverFirstDay: 5, turnoverLastDay: 9 }, { actor: admin, at: clock.now() });
      clock.set('2027-04-02T06:00:00Z');
      expect((await turnoverField())['Turnover 2027-04']).to.equal('not yet; the window opens 5 April 2027');
      clock.set('2027-04-06T06:00:00Z');
      expect((await turnoverField())['Turnover 2027-04']).to.equal('not run yet; the window is open');

      await db().TurnoverRun.collection.insertOne({ _id: '2027-04', startedAt: new Date('2027-04-06T05:00:00Z') } as never);
      expect((await turnoverField())['Turnover 2027-04']).to.equal('started 6 April 2027 05:00, not finished');
      await db().TurnoverRun.deleteOne({ _id: '2027-04' });

      const { done } = await confirmed('turnover');
      expect(done.reply.tone).to.equal('done');
      expect((await turnoverField())['Turnover 2027-04']).to.equal('done 6 April 2027: 1 invited');

      clock.set('2027-05-20T06:00:00Z');
      expect((await turnoverField())['Turnover 2027-05']).to.equal('did not run this month');
    });

    it('refuses words after it', async function () {
      const { reply, problem } = await run('stats now');
      expect(problem).to.equal('usage');
      expect(reply.title).to.equal('Unexpected "now".');
    });
  });

  describe('queue', function () {
    async function line() {
      await licensing.apply({ email: 'first@example.org', displayName: 'Doe, Jane' }, self({ email: 'first@example.org' }));
      clock.set('2027-03-11T09:00:00Z');
      await licensing.apply({ email: 'second@example.org' }, self({ email: 'second@example.org' }));
      clock.set('2027-03-12T09:00:00Z');
      await licensing.apply({ email: 'third@example.org' }, self({ email: 'third@example.org' }));
      await make('paused_ready', 'back@example.org', '2027-03-13T09:00:00Z');
      await make('on_hold', 'hold@example.org', '2027-03-14T09:00:00Z');
      clock.set('2027-03-15T09:00:00Z');
    }

    it('lists the line in turnover order: paused and ready first (resumeAheadOfWaitlist), then by ticket', async function () {
      await line();
      const { reply, problem } = await run('queue');
      expect(problem).to.equal(undefined);
      expect(reply.title).to.equal('Queue: 4 in line, 1 on hold');
      expect(itemsOf(reply)).to.deep.equal([
        '1. back@example.org, back from a pause, ready since 13 March 2027',
        '2. first@example.org (Doe, Jane), applied 10 March 2027',
        '3. second@example.org, applied 11 March 2027',
        '4. third@example.org, applied 12 March 2027',
      ]);
      const two = await run('queue 2');
      expect(itemsOf(two.reply)).to.deep.equal(itemsOf(reply).slice(0, 2));
      expect((two.reply.data as { total: number }).total).to.equal(4);
    });

    it('keeps ticket order for everyone when paused learners do not go first', async function () {
      await line();
      await updateSettings(db(), { resumeAheadOfWaitlist: false }, { actor: admin, at: clock.now() });
      const { reply } = await run('queue 50');
      expect(itemsOf(reply).map((item) => item.split(',')[0])).to.deep.equal([
        '1. first@example.org (Doe',
        '2. second@example.org',
        '3. third@example.org',
        '4. back@example.org',
      ]);
    });

    it('says when nobody is waiting', async function () {
      const { reply } = await run('queue');
      expect(reply.title).to.equal('Queue: 0 in line');
      expect(itemsOf(reply)).to.deep.equal(['nobody is waiting']);
    });

    for (const [typed, got] of [
      ['queue 0', '0'],
      ['queue 51', '51'],
      ['queue x', 'x'],
      ['queue -3', '-3'],
      ['queue 2.5', '2.5'],
    ] as const) {
      it(`refuses \`${typed}\` as a usage problem`, async function () {
        const { reply, problem } = await run(typed);
        expect(problem).to.equal('usage');
        expect(reply.tone).to.equal('refused');
        expect(reply.title).to.equal(`n must be a whole number from 1 to 50; got "${got}".`);
        expect(textsOf(reply)).to.deep.equal(['Usage: `queue [n]`']);
      });
    }
  });

  describe('who', function () {
    it("shows a license holder's state, dates, history and notices", async function () {
      await licensing.apply({ email: 'alex@example.org', displayName: 'Alex Doe' }, self({ email: 'alex@example.org' }));
      clock.set('2027-03-10T10:30:00Z');
      const { done } = await confirmed('invite alex@example.org approved by the head of learning');
      expect(done.reply.tone).to.equal('done');

      const { reply, problem } = await run('who Alex@Example.org');
      expect(problem).to.equal(undefined);
      expect(reply.title).to.equal('alex@example.org');
      expect(fieldsOf(reply)).to.deep.equal({
        State: 'invited and holding a license',
        Name: 'Alex Doe',
        Invited: '10 March 2027',
        'License ends': '31 December 2027',
        'Last activity': 'none seen yet',
        'Warning due': '10 April 2027',
      });
      const alex = await person('alex@example.org');
      const id = alex!._id.toString();
      expect(itemsOf(reply)).to.deep.equal([
        '10 March 2027 09:00: apply, none → waiting, by person alex@example.org',
        '10 March 2027 10:30: admin-invite, waiting → invited, by admin U_ADMIN (approved by the head of learning)',
        `\`invitation:${id}:2\` invitation: pending`,
      ]);
      expect(textsOf(reply)).to.deep.equal(['*History*', '*Notices*']);
    });

    it('shows the place in line and when a turnover should reach it', async function () {
      await make('waiting', 'one@example.org');
      await make('waiting', 'two@example.org');
      const { reply } = await run('who two@example.org');
      expect(fieldsOf(reply)).to.deep.equal({
        State: 'on the waitlist',
        'Place in line': '#2',
        Expected: 'turnover of 2027-04',
        Applied: '10 March 2027',
      });
      expect(itemsOf(reply)).to.deep.equal(['10 March 2027 09:00: apply, none → waiting, by person two@example.org']);
    });

    it('shows the last 15 events of a long history and says there are more', async function () {
      const someone = await make('waiting', 'busy@example.org');
      for (let n = 0; n < 8; n += 1) {
        clock.advance(60_000);
        await licensing.pause(someone._id, self(someone));
        await licensing.ready(someone._id, self(someone));
      }
      const { reply } = await run('who busy@example.org');
      const history = itemsOf(reply);
      expect(history).to.have.length(15);
      expect(history[0]).to.include('ready, on_hold → waiting');
      expect(history.at(-1)).to.include('ready, on_hold → waiting');
      expect(textsOf(reply)).to.include('Showing the last 15 of 17 events; `export audit` has them all.');
    });

    it('refuses an address nobody has, and one that is not an address', async function () {
      const unknown = await run('who nobody@example.org');
      expect(unknown.problem).to.equal('refused');
      expect(unknown.reply.title).to.equal('Nobody with the address nobody@example.org is known here.');

      const bad = await run('who nobody');
      expect(bad.problem).to.equal('usage');
      expect(bad.reply.title).to.equal('"nobody" is not an email address.');
    });
  });

  describe('apply', function () {
    it('puts someone new on the waitlist, and says so again without change when repeated', async function () {
      await make('waiting', 'ahead@example.org');
      clock.set('2027-03-10T11:00:00Z');
      const first = await run('apply New.Person@Example.org New Person');
      expect(first.problem).to.equal(undefined);
      expect(first.confirm).to.equal(undefined);
      expect(first.reply.tone).to.equal('done');
      expect(first.reply.title).to.equal('new.person@example.org is on the waitlist at #2.');
      const joined = await person('new.person@example.org');
      expect(joined).to.deep.include({ state: 'waiting', displayName: 'New Person' });
      expect(joined!.appliedAt).to.deep.equal(new Date('2027-03-10T11:00:00Z'));
      expect(await lastEventOf('new.person@example.org')).to.deep.include({ action: 'apply', from: 'none', to: 'waiting', actor: admin });

      const before = await everything();
      const again = await run('apply new.person@example.org');
      expect(again.problem).to.equal(undefined);
      expect(again.reply.tone).to.equal('info');
      expect(again.reply.title).to.equal('new.person@example.org was already on the waitlist at #2.');
      expect(await everything()).to.deep.equal(before);
    });

    it('refuses an address at a domain that may not apply', async function () {
      await updateSettings(db(), { allowedEmailDomains: ['example.org'] }, { actor: admin, at: clock.now() });
      const before = await everything();
      const { reply, problem } = await run('apply someone@elsewhere.net');
      expect(problem).to.equal('refused');
      expect(reply.title).to.equal('Only addresses at example.org can apply; someone@elsewhere.net is not one.');
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('invite', function () {
    it('previews, then on confirmation grants a license with the reason in the audit log and queues the invitation', async function () {
      await setCapacity(5);
      await make('active', 'holder@example.org');
      const known = await settled();
      const before = await everything();

      const preview = await run('invite alex@example.org approved by the head of learning');
      expect(preview.problem).to.equal(undefined);
      expect(preview.reply.tone).to.equal('preview');
      expect(preview.reply.title).to.equal('Invite alex@example.org?');
      expect(fieldsOf(preview.reply)).to.deep.equal({
        Now: 'not on the waitlist',
        Licenses: '1 of 5 taken',
        'License until': '31 December 2027',
        Reason: 'approved by the head of learning',
      });
      expect(textsOf(preview.reply)).to.deep.equal(['They get a license now, outside the queue, and an invitation.']);
      expect(preview.confirm).to.equal('invite alex@example.org approved by the head of learning');
      expect(await everything(), 'a preview writes nothing').to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);

      const done = await run(preview.confirm!, true);
      expect(done.problem).to.equal(undefined);
      expect(done.confirm).to.equal(undefined);
      expect(done.reply.tone).to.equal('done');
      expect(done.reply.title).to.equal('alex@example.org invited.');
      expect(textsOf(done.reply)).to.deep.equal(['Now invited and holding a license. They hold a license.']);

      const alex = await person('alex@example.org');
      expect(alex).to.deep.include({ state: 'invited' });
      expect(alex!.invitedAt).to.deep.equal(new Date(NOW));
      expect(alex!.licenseEndsAt).to.deep.equal(new Date('2027-12-31T23:59:59.999Z'));
      expect(await db().Seat.countDocuments({ personId: alex!._id })).to.equal(1);
      const event = await lastEventOf('alex@example.org');
      expect(event).to.deep.include({ action: 'admin-invite', from: 'none', to: 'invited', reason: 'approved by the head of learning', actor: admin });
      expect(event.at).to.deep.equal(new Date(NOW));
      const queued = await added(known);
      expect(queued.map((n) => [n._id, n.kind, n.status])).to.deep.equal([[`invitation:${alex!._id.toString()}:${event.seq}`, 'invitation', 'pending']]);
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('needs a reason', async function () {
      const before = await everything();
      for (const confirmedToo of [false, true]) {
        const { reply, problem } = await run('invite alex@example.org', confirmedToo);
        expect(problem).to.equal('usage');
        expect(reply.title).to.equal('Give a reason after the email address; it goes in the audit log.');
        expect(textsOf(reply)).to.deep.equal(['Usage: `invite <email> <reason>`']);
      }
      expect(await everything()).to.deep.equal(before);
    });

    it('has nothing to do for someone who already holds a license', async function () {
      await make('active', 'holder@example.org');
      const before = await everything();
      const preview = await run('invite holder@example.org again');
      expect(preview.problem).to.equal(undefined);
      expect(preview.confirm).to.equal(undefined);
      expect(preview.reply.tone).to.equal('info');
      expect(preview.reply.title).to.equal('Nothing to do: holder@example.org is already holding a license.');
      const done = await run('invite holder@example.org again', true);
      expect(done.reply.title).to.equal('Nothing to do: holder@example.org is already holding a license.');
      expect(await everything()).to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);
    });

    it('is refused at the preview when every license is taken, writing nothing', async function () {
      await setCapacity(1);
      await make('active', 'holder@example.org');
      const before = await everything();
      const preview = await run('invite alex@example.org urgent');
      expect(preview.problem).to.equal('refused');
      expect(preview.confirm).to.equal(undefined);
      expect(preview.reply.title).to.equal('All 1 licenses are taken; raise the capacity or free one first.');
      expect(await everything()).to.deep.equal(before);
    });

    it('is refused at a confirmation when every license is taken (taken meanwhile), writing nothing', async function () {
      await setCapacity(1);
      await make('active', 'holder@example.org');
      const before = await everything();
      const late = await run('invite alex@example.org urgent', true);
      expect(late.problem).to.equal('refused');
      expect(late.reply.title).to.equal('All 1 licenses are taken.');
      expect(await everything(), 'a refused invitation leaves no trace').to.deep.equal(before);
    });
  });

  describe('revoke', function () {
    it('previews, then ends the license, bars the person until next year and queues the revocation notice', async function () {
      const holder = await make('active', 'holder@example.org');
      const known = await settled();
      const before = await everything();
      const preview = await run('revoke holder@example.org shared the account');
      expect(preview.reply.title).to.equal('Revoke the license of holder@example.org?');
      expect(fieldsOf(preview.reply)).to.deep.equal({ Now: 'holding a license', Reason: 'shared the account' });
      expect(preview.confirm).to.equal('revoke holder@example.org shared the account');
      expect(await everything()).to.deep.equal(before);

      const done = await run(preview.confirm!, true);
      expect(done.reply.title).to.equal('holder@example.org revoked.');
      expect(textsOf(done.reply)).to.deep.equal(['Now someone whose license was revoked.']);
      const after = await person('holder@example.org');
      expect(after).to.deep.include({ state: 'revoked' });
      expect(after!.barredUntil).to.deep.equal(new Date('2028-01-01T00:00:00Z'));
      expect(after!.invitedAt).to.equal(undefined);
      expect(await db().Seat.countDocuments()).to.equal(0);
      expect(await lastEventOf('holder@example.org')).to.deep.include({ action: 'admin-revoke', from: 'active', to: 'revoked', reason: 'shared the account', actor: admin });
      const queued = await added(known);
      expect(queued).to.have.length(1);
      expect(queued[0]).to.deep.include({ kind: 'revocation', status: 'pending' });
      expect(queued[0]!.personId.toString()).to.equal(holder._id.toString());
      expect(queued[0]!.facts).to.deep.include({ cause: 'admin' });
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('needs a reason, refuses someone who holds nothing to revoke, and has nothing to do twice', async function () {
      await make('waiting', 'waiting@example.org');
      const holder = await make('active', 'holder@example.org');
      await licensing.adminRevoke(holder._id, admin, 'earlier');
      const before = await everything();

      const noReason = await run('revoke holder@example.org');
      expect(noReason.problem).to.equal('usage');
      expect(noReason.reply.title).to.equal('Give a reason after the email address; it goes in the audit log.');

      const wrong = await run('revoke waiting@example.org no longer needed');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.title).to.equal('Cannot revoke for waiting@example.org: they are on the waitlist.');

      const twice = await run('revoke holder@example.org again');
      expect(twice.problem).to.equal(undefined);
      expect(twice.confirm).to.equal(undefined);
      expect(twice.reply.title).to.equal('Nothing to do: holder@example.org is already someone whose license was revoked.');

      const unknown = await run('revoke ghost@example.org because');
      expect(unknown.problem).to.equal('refused');
      expect(unknown.reply.title).to.equal('Nobody with the address ghost@example.org is known here.');
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('restore', function () {
    it('previews, then grants the license again, lifts the bar and queues an invitation', async function () {
      const holder = await make('active', 'holder@example.org');
      await licensing.adminRevoke(holder._id, admin, 'mistaken identity');
      clock.set('2027-03-11T09:00:00Z');
      const known = await settled();
      const before = await everything();
      const preview = await run('restore holder@example.org it was someone else');
      expect(preview.reply.title).to.equal('Restore the license of holder@example.org?');
      expect(fieldsOf(preview.reply)).to.deep.equal({
        Now: 'someone whose license was revoked',
        Licenses: '0 of 300 taken',
        'License until': '31 December 2027',
        Reason: 'it was someone else',
      });
      expect(await everything()).to.deep.equal(before);

      const done = await run(preview.confirm!, true);
      expect(done.reply.title).to.equal('holder@example.org restored.');
      const after = await person('holder@example.org');
      expect(after).to.deep.include({ state: 'invited' });
      expect(after!.barredUntil).to.equal(undefined);
      expect(after!.revokedAt).to.equal(undefined);
      expect(await db().Seat.countDocuments({ personId: holder._id })).to.equal(1);
      expect(await lastEventOf('holder@example.org')).to.deep.include({ action: 'admin-restore', from: 'revoked', to: 'invited', reason: 'it was someone else', actor: admin });
      expect((await added(known)).map((n) => n.kind)).to.deep.equal(['invitation']);
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('refuses someone who was not revoked, in words from the preview; needs a reason; has nothing to do for a holder', async function () {
      await make('waiting', 'waiting@example.org');
      await make('active', 'holder@example.org');
      const before = await everything();
      const wrong = await run('restore waiting@example.org by mistake');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.tone).to.equal('refused');
      expect(wrong.reply.title).to.equal('Cannot restore for waiting@example.org: they are on the waitlist.');
      const wrongConfirmed = await run('restore waiting@example.org by mistake', true);
      expect(wrongConfirmed.problem).to.equal('refused');
      expect(wrongConfirmed.reply.title).to.equal('Cannot restore for waiting@example.org: they are on the waitlist.');

      const noReason = await run('restore waiting@example.org');
      expect(noReason.problem).to.equal('usage');

      const holding = await run('restore holder@example.org why not');
      expect(holding.reply.title).to.equal('Nothing to do: holder@example.org is already holding a license.');
      expect(await everything()).to.deep.equal(before);
    });

    it('is refused when every license is taken', async function () {
      await setCapacity(1);
      const revoked = await make('active', 'revoked@example.org');
      await licensing.adminRevoke(revoked._id, admin, 'earlier');
      await make('active', 'holder@example.org');
      const before = await everything();
      const { reply, problem } = await run('restore revoked@example.org please');
      expect(problem).to.equal('refused');
      expect(reply.title).to.equal('All 1 licenses are taken; raise the capacity or free one first.');
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('pause, ready and release', function () {
    it('pauses a holder (no reason needed): the seat is given back', async function () {
      await make('active', 'holder@example.org');
      const known = await settled();
      const before = await everything();
      const preview = await run('pause holder@example.org');
      expect(preview.reply.title).to.equal('Pause holder@example.org?');
      expect(fieldsOf(preview.reply)).to.deep.equal({ Now: 'holding a license' });
      expect(preview.confirm).to.equal('pause holder@example.org');
      expect(await everything()).to.deep.equal(before);

      const done = await run(preview.confirm!, true);
      expect(done.reply.title).to.equal('holder@example.org paused.');
      expect(textsOf(done.reply)).to.deep.equal(['Now paused, with the right to be re-invited.']);
      expect(await person('holder@example.org')).to.deep.include({ state: 'paused' });
      expect(await db().Seat.countDocuments()).to.equal(0);
      const event = await lastEventOf('holder@example.org');
      expect(event).to.deep.include({ action: 'pause', from: 'active', to: 'paused', actor: admin });
      expect(event.reason).to.equal(undefined);
      expect(await added(known), 'a pause is not announced').to.deep.equal([]);
    });

    it('pauses someone waiting with a reason, then has nothing to do; refuses someone revoked', async function () {
      await make('waiting', 'waiting@example.org');
      const revoked = await make('active', 'revoked@example.org');
      await licensing.adminRevoke(revoked._id, admin, 'earlier');

      const { preview, done } = await confirmed('pause waiting@example.org on leave until May');
      expect(fieldsOf(preview.reply)).to.deep.equal({ Now: 'on the waitlist', Reason: 'on leave until May' });
      expect(done.reply.title).to.equal('waiting@example.org paused.');
      expect(await person('waiting@example.org')).to.deep.include({ state: 'on_hold' });
      expect(await lastEventOf('waiting@example.org')).to.deep.include({ action: 'pause', to: 'on_hold', reason: 'on leave until May', actor: admin });

      const before = await everything();
      const again = await run('pause waiting@example.org');
      expect(again.confirm).to.equal(undefined);
      expect(again.reply.title).to.equal('Nothing to do: waiting@example.org is already on the waitlist but on hold.');
      const wrong = await run('pause revoked@example.org');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.title).to.equal('Cannot pause for revoked@example.org: they are someone whose license was revoked.');
      expect(await everything()).to.deep.equal(before);
    });

    it('marks someone on hold and someone paused as ready; has nothing to do for someone waiting; refuses a holder', async function () {
      await make('on_hold', 'hold@example.org');
      await make('paused', 'paused@example.org');
      await make('waiting', 'waiting@example.org');
      await make('active', 'holder@example.org');

      const back = await confirmed('ready hold@example.org');
      expect(back.preview.reply.title).to.equal('Mark as ready hold@example.org?');
      expect(back.done.reply.title).to.equal('hold@example.org marked as ready.');
      expect(await person('hold@example.org')).to.deep.include({ state: 'waiting' });

      const resumed = await confirmed('ready paused@example.org back from leave');
      expect(resumed.done.reply.title).to.equal('paused@example.org marked as ready.');
      const paused = await person('paused@example.org');
      expect(paused).to.deep.include({ state: 'paused_ready' });
      expect(paused!.ticket).to.be.a('number');
      expect(await lastEventOf('paused@example.org')).to.deep.include({ action: 'ready', from: 'paused', to: 'paused_ready', reason: 'back from leave', actor: admin });

      const before = await everything();
      expect((await run('ready waiting@example.org')).reply.title).to.equal('Nothing to do: waiting@example.org is already on the waitlist.');
      const wrong = await run('ready holder@example.org');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.title).to.equal('Cannot resume for holder@example.org: they are holding a license.');
      expect(await everything()).to.deep.equal(before);
    });

    it('releases a license for good; has nothing to do twice; refuses someone waiting', async function () {
      await make('active', 'holder@example.org');
      await make('waiting', 'waiting@example.org');
      const { preview, done } = await confirmed('release holder@example.org leaving the company');
      expect(preview.reply.title).to.equal('Release the license of holder@example.org?');
      expect(done.reply.title).to.equal('holder@example.org released.');
      expect(await person('holder@example.org')).to.deep.include({ state: 'released' });
      expect(await db().Seat.countDocuments()).to.equal(0);
      expect(await lastEventOf('holder@example.org')).to.deep.include({ action: 'release', from: 'active', to: 'released', reason: 'leaving the company', actor: admin });

      const before = await everything();
      expect((await run('release holder@example.org')).reply.title).to.equal('Nothing to do: holder@example.org is already someone who gave their license back.');
      const wrong = await run('release waiting@example.org');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.title).to.equal('Cannot give the license back for waiting@example.org: they are on the waitlist.');
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('capacity', function () {
    beforeEach(async function () {
      await setCapacity(5);
      await make('active', 'a@example.org');
      await make('active', 'b@example.org');
      await make('invited', 'c@example.org');
    });

    it('shows the capacity and how many licenses are free', async function () {
      const { reply, confirm, problem } = await run('capacity');
      expect(problem).to.equal(undefined);
      expect(confirm).to.equal(undefined);
      expect(reply.title).to.equal('Capacity: 5 licenses');
      expect(textsOf(reply)).to.deep.equal(['3 held, 2 free.']);
    });

    it('previews lowering it below the holders: nobody loses a license', async function () {
      const before = await everything();
      const { reply, confirm } = await run('capacity 2');
      expect(reply.tone).to.equal('preview');
      expect(reply.title).to.equal('Change the capacity from 5 to 2?');
      expect(textsOf(reply)).to.deep.equal(['3 licenses are held now: nobody loses theirs, and nobody is invited until fewer than 2 are held.']);
      expect(confirm).to.equal('capacity 2');
      expect(await everything()).to.deep.equal(before);
    });

    it('previews raising it, then records the change in the settings and the audit log', async function () {
      const before = await everything();
      const { preview, done } = await confirmed('capacity 8');
      expect(preview.reply.title).to.equal('Change the capacity from 5 to 8?');
      expect(textsOf(preview.reply)).to.deep.equal(['5 licenses will be free for the next turnover (2 now).']);
      expect(done.reply.tone).to.equal('done');
      expect(done.reply.title).to.equal('Capacity is now 8.');
      expect((await loadSettings(db())).capacity).to.equal(8);
      const event = await db().AuditEvent.findOne({ subject: 'settings' }).sort({ seq: -1 }).lean<AuditEvent>();
      expect(event).to.deep.include({ action: 'settings', actor: admin });
      expect(event!.changes).to.deep.equal({ set: { capacity: 8 }, unset: [] });
      // Nobody's license moved.
      const people = (await everything()) as { rest: { people: unknown[]; seats: unknown[] } };
      expect(people.rest.people).to.deep.equal((before as typeof people).rest.people);
      expect(people.rest.seats).to.deep.equal((before as typeof people).rest.seats);
    });

    it('has nothing to do when the capacity is already that; refuses what is not a number', async function () {
      const before = await everything();
      const same = await run('capacity 5');
      expect(same.confirm).to.equal(undefined);
      expect(same.reply.title).to.equal('Nothing to do: the capacity is already 5.');
      for (const [typed, got] of [['capacity abc', 'abc'], ['capacity 100001', '100001'], ['capacity -1', '-1']] as const) {
        const { reply, problem } = await run(typed, true);
        expect(problem, typed).to.equal('usage');
        expect(reply.title).to.equal(`The capacity must be a whole number from 0 to 100000; got "${got}".`);
      }
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('settings', function () {
    it('shows every setting', async function () {
      const { reply, problem } = await run('settings');
      expect(problem).to.equal(undefined);
      expect(reply.title).to.equal('Settings');
      expect(fieldsOf(reply)).to.deep.include({
        capacity: '300',
        timeZone: 'UTC',
        resumeAheadOfWaitlist: 'true',
        allowedEmailDomains: '(none)',
        programContact: '(empty)',
        turnoverSchedule: '0 6 * * *',
      });
      expect(Object.keys(fieldsOf(reply))).to.have.length(16);
    });

    it('previews a change, then records it', async function () {
      const before = await everything();
      const preview = await run('settings programContact learning@example.org');
      expect(preview.reply.tone).to.equal('preview');
      expect(preview.reply.title).to.equal('Change programContact?');
      expect(fieldsOf(preview.reply)).to.deep.equal({ Now: '(empty)', New: 'learning@example.org' });
      expect(preview.confirm).to.equal('settings programContact learning@example.org');
      expect(await everything()).to.deep.equal(before);

      const done = await run(preview.confirm!, true);
      expect(done.reply.title).to.equal('programContact is now learning@example.org.');
      expect((await loadSettings(db())).programContact).to.equal('learning@example.org');
      const event = await db().AuditEvent.findOne({ subject: 'settings' }).sort({ seq: -1 }).lean<AuditEvent>();
      expect(event).to.deep.include({ action: 'settings', actor: admin });
      expect(event!.changes.set).to.deep.equal({ programContact: 'learning@example.org' });
    });

    it('understands names in any case, lists, yes/no and a time zone (which says schedules follow on restart)', async function () {
      const domains = await confirmed('settings ALLOWEDEMAILDOMAINS Example.org, other.org');
      expect(fieldsOf(domains.preview.reply)).to.deep.equal({ Now: '(none)', New: 'example.org, other.org' });
      expect(domains.done.reply.title).to.equal('allowedEmailDomains is now example.org, other.org.');

      const resume = await confirmed('settings resumeAheadOfWaitlist no');
      expect(resume.done.reply.title).to.equal('resumeAheadOfWaitlist is now false.');

      const zone = await confirmed('settings timeZone Europe/Zurich');
      expect(zone.done.reply.title).to.equal('timeZone is now Europe/Zurich. Job schedules take the change when the bot next starts.');
      expect(await loadSettings(db())).to.deep.include({ allowedEmailDomains: ['example.org', 'other.org'], resumeAheadOfWaitlist: false, timeZone: 'Europe/Zurich' });

      const same = await run('settings timeZone Europe/Zurich');
      expect(same.confirm).to.equal(undefined);
      expect(same.reply.title).to.equal('Nothing to do: timeZone is already Europe/Zurich.');
    });

    it('refuses a bad value at the preview, and at a confirmation, changing nothing', async function () {
      const before = await everything();
      for (const confirmedToo of [false, true]) {
        const { reply, problem, confirm } = await run('settings timeZone Mars/Olympus', confirmedToo);
        expect(problem).to.equal('refused');
        expect(confirm).to.equal(undefined);
        expect(reply.title).to.equal('timeZone must be an IANA time zone such as Europe/Zurich; got "Mars/Olympus".');
      }
      const cron = await run('settings turnoverSchedule every day');
      expect(cron.problem).to.equal('refused');
      expect(cron.reply.title).to.include('turnoverSchedule must be a cron expression with five fields');
      expect(await everything()).to.deep.equal(before);
    });

    it('refuses an unknown setting, a missing value and a value of the wrong kind as usage problems', async function () {
      const before = await everything();
      const unknown = await run('settings colour blue');
      expect(unknown.problem).to.equal('usage');
      expect(unknown.reply.title).to.match(/^There is no setting "colour"\. Settings are: capacity, timeZone, /);
      const missing = await run('settings capacity');
      expect(missing.problem).to.equal('usage');
      expect(missing.reply.title).to.equal('Give the new value after capacity ("-" to empty it).');
      const yesNo = await run('settings resumeAheadOfWaitlist maybe');
      expect(yesNo.problem).to.equal('usage');
      expect(yesNo.reply.title).to.equal('resumeAheadOfWaitlist takes yes or no; got "maybe".');
      const number = await run('settings warnAfterMonths two');
      expect(number.problem).to.equal('usage');
      expect(number.reply.title).to.equal('warnAfterMonths takes a whole number; got "two".');
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('turnover', function () {
    const WINDOW = '2027-04-02T06:00:00Z';

    async function line() {
      await setCapacity(3);
      await make('active', 'holder@example.org');
      await make('waiting', 'w1@example.org', '2027-03-11T09:00:00Z');
      await make('waiting', 'w2@example.org', '2027-03-12T09:00:00Z');
      await make('waiting', 'w3@example.org', '2027-03-13T09:00:00Z');
      await make('paused_ready', 'back@example.org', '2027-03-14T09:00:00Z');
      clock.set(WINDOW);
    }

    it('`turnover preview` shows who would be invited and changes nothing', async function () {
      await line();
      const before = await everything();
      const { reply, confirm, problem } = await run('turnover preview');
      expect(problem).to.equal(undefined);
      expect(confirm).to.equal(undefined);
      expect(reply.tone).to.equal('preview');
      expect(reply.title).to.equal('turnover as of 2 April 2027 06:00 (preview: nothing was changed)');
      expect(textsOf(reply)).to.deep.equal([
        '2027-04: 2 of 3 licenses free (1 held).',
        '*Would invite* (2): back@example.org (back from a pause), w1@example.org',
      ]);
      expect(await everything()).to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);
    });

    it('previews without "preview", then on confirmation invites, queues the invitations and delivers soon', async function () {
      await line();
      const before = await everything();
      const preview = await run('turnover');
      expect(preview.reply.tone).to.equal('preview');
      expect(preview.confirm).to.equal('turnover');
      expect(await everything()).to.deep.equal(before);

      const done = await run('turnover', true);
      expect(done.problem).to.equal(undefined);
      expect(done.reply.tone).to.equal('done');
      expect(done.reply.title).to.equal('turnover as of 2 April 2027 06:00');
      expect(textsOf(done.reply)).to.deep.equal([
        '2027-04: 2 of 3 licenses free (1 held).',
        '*Invited* (2): back@example.org (back from a pause), w1@example.org',
        'Notices queued: 2',
      ]);
      expect(await person('back@example.org')).to.deep.include({ state: 'invited' });
      expect(await person('w1@example.org')).to.deep.include({ state: 'invited' });
      expect(await person('w2@example.org')).to.deep.include({ state: 'waiting' });
      expect(await lastEventOf('w1@example.org')).to.deep.include({ action: 'invite', actor: { kind: 'system', id: 'turnover' } });
      expect((await notices()).map((n) => [n.kind, n.status])).to.deep.equal([['invitation', 'pending'], ['invitation', 'pending']]);
      expect((await db().TurnoverRun.findById('2027-04').lean())?.finishedAt).to.deep.equal(new Date(WINDOW));
      expect(deliverSoon.calledOnce).to.equal(true);

      // Once a month: a second confirmation changes nothing and delivers nothing.
      const after = await everything();
      const again = await run('turnover', true);
      expect(textsOf(again.reply)).to.deep.equal(["2027-04: this month's turnover has already run."]);
      expect(await everything()).to.deep.equal(after);
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('outside the window says there is nothing to do', async function () {
      await line();
      clock.set('2027-04-10T06:00:00Z');
      const before = await everything();
      const { reply } = await run('turnover', true);
      expect(textsOf(reply)).to.deep.equal(['2027-04: outside the turnover window; nothing to do.']);
      expect(await everything()).to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);
    });
  });

  describe('inactivity', function () {
    async function holders() {
      await make('active', 'idle@example.org', '2027-04-20T10:00:00Z');
      await make('warned', 'warned@example.org', '2027-05-25T10:00:00Z');
      await make('active', 'busy@example.org', '2027-06-01T10:00:00Z');
      clock.set('2027-06-25T07:00:00Z');
    }

    it('`inactivity preview` names who would be warned and revoked, changing nothing', async function () {
      await holders();
      const before = await everything();
      const { reply, confirm } = await run('inactivity preview');
      expect(confirm).to.equal(undefined);
      expect(reply.title).to.equal('inactivity as of 25 June 2027 07:00 (preview: nothing was changed)');
      expect(textsOf(reply)).to.deep.equal(['*Would warn* (1): idle@example.org', '*Would revoke* (1): warned@example.org']);
      expect(await everything()).to.deep.equal(before);
    });

    it('on confirmation warns, revokes, queues both notices and delivers soon', async function () {
      await holders();
      const { preview, done } = await confirmed('inactivity');
      expect(preview.confirm).to.equal('inactivity');
      expect(textsOf(done.reply)).to.deep.equal(['*Warned* (1): idle@example.org', '*Revoked* (1): warned@example.org', 'Notices queued: 2']);
      expect(await person('idle@example.org')).to.deep.include({ state: 'warned' });
      const revoked = await person('warned@example.org');
      expect(revoked).to.deep.include({ state: 'revoked' });
      expect(revoked!.barredUntil).to.deep.equal(new Date('2028-01-01T00:00:00Z'));
      expect(await person('busy@example.org')).to.deep.include({ state: 'active' });
      expect((await notices()).map((n) => n.kind).sort()).to.deep.equal(['inactivity-warning', 'revocation']);
      expect(deliverSoon.calledOnce).to.equal(true);
    });
  });

  describe('yearend', function () {
    it('`yearend preview` names the licenses that would end; confirmed, ends them and queues the year-end notices', async function () {
      await make('active', 'last.year@example.org', '2027-11-02T10:00:00Z');
      await make('waiting', 'waiting@example.org', '2027-11-03T10:00:00Z');
      clock.set('2028-01-01T00:05:00Z');

      const before = await everything();
      const preview = await run('year-end preview');
      expect(preview.confirm).to.equal(undefined);
      expect(preview.reply.title).to.equal('year-end as of 1 January 2028 00:05 (preview: nothing was changed)');
      expect(textsOf(preview.reply)).to.deep.equal(['*Would end* (1): last.year@example.org']);
      expect(await everything()).to.deep.equal(before);

      const { done } = await confirmed('yearend');
      expect(textsOf(done.reply)).to.deep.equal(['*Ended* (1): last.year@example.org', 'Notices queued: 1']);
      expect(await person('last.year@example.org')).to.deep.include({ state: 'expired' });
      expect(await person('waiting@example.org')).to.deep.include({ state: 'waiting' });
      expect(await db().Seat.countDocuments()).to.equal(0);
      expect((await notices()).map((n) => n.kind)).to.deep.equal(['year-end']);
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('with nothing to end, offers nothing to confirm; run anyway, it queues nothing and does not deliver', async function () {
      await make('active', 'this.year@example.org');
      await settled();
      const preview = await run('yearend');
      expect(preview.confirm).to.equal(undefined);
      expect(preview.reply.title).to.match(/^Nothing to do: year-end as of/);
      const done = await run('yearend', true);
      expect(textsOf(done.reply)).to.deep.equal(['*Ended* (0): nobody']);
      expect(deliverSoon.called).to.equal(false);
    });

    it('activity-sync is refused without the Coursera API settings', async function () {
      const { reply, problem } = await run('activity-sync', true);
      expect(problem).to.equal('refused');
      expect(reply.title).to.equal('activity-sync needs the Coursera API settings (COURSERA_*).');
    });
  });

  describe('notices and retry', function () {
    let known: Person;

    async function outbox() {
      known = await make('waiting', 'learner@example.org');
      const stranger = new Types.ObjectId();
      const notice = (id: string, status: NoticeStatus, minute: number, extra: Partial<Notice> = {}, personId = known._id) => ({
        _id: id,
        personId,
        kind: 'invitation' as const,
        seq: 2,
        createdAt: new Date('2027-03-01T08:00:00Z'),
        facts: { licenseEndsAt: new Date('2027-12-31T23:59:59.999Z') },
        status,
        updatedAt: new Date(`2027-03-09T08:${String(minute).padStart(2, '0')}:00Z`),
        ...extra,
      });
      await db().Notice.insertMany([
        notice('failed-1', 'failed', 10, { attempts: 5, lastError: 'Teams said 403' }),
        notice('failed-2', 'failed', 11, { attempts: 5, lastError: 'Slack said channel_not_found' }, stranger),
        notice('undeliverable-1', 'undeliverable', 12, { attempts: 0, lastError: 'no Teams or Slack contact' }),
        notice('undeliverable-2', 'undeliverable', 13, {}),
        notice('uncertain-1', 'uncertain', 14, { attempts: 1 }),
        notice('uncertain-2', 'uncertain', 15, { attempts: 2 }),
        notice('failed-3', 'failed', 16, { attempts: 3 }),
        notice('sent-1', 'sent', 17, { attempts: 1, sentAt: new Date('2027-03-09T08:17:00Z') }),
        notice('pending-1', 'pending', 18, { attempts: 0 }),
      ]);
    }

    it('`notices` counts by status and shows the five latest in trouble', async function () {
      await outbox();
      const { reply, problem } = await run('notices');
      expect(problem).to.equal(undefined);
      expect(reply.title).to.equal('Notices');
      expect(fieldsOf(reply)).to.deep.equal({ pending: '1', sent: '1', failed: '3', undeliverable: '2', uncertain: '2' });
      expect(itemsOf(reply)).to.deep.equal([
        '`failed-3` invitation to learner@example.org: *failed* (every attempt failed, 9 March 2027 08:16)',
        '`uncertain-2` invitation to learner@example.org: *uncertain* (the bot stopped while Teams had it; it most likely arrived, 9 March 2027 08:15)',
        '`uncertain-1` invitation to learner@example.org: *uncertain* (the bot stopped while Teams had it; it most likely arrived, 9 March 2027 08:14)',
        '`undeliverable-2` invitation to learner@example.org: *undeliverable* (neither Teams nor Slack can reach them, 9 March 2027 08:13)',
        '`undeliverable-1` invitation to learner@example.org: *undeliverable* (neither Teams nor Slack can reach them; last error: no Teams or Slack contact, 9 March 2027 08:12)',
      ]);
      expect(textsOf(reply)).to.deep.equal(['*Latest in trouble*', '2 more; see them all with `notices failed`.', 'Send one again with `retry <id>`.']);
    });

    it('`notices failed` lists every one in trouble, including those to someone no longer known', async function () {
      await outbox();
      const { reply } = await run('notices failed');
      expect(reply.title).to.equal('7 notices in trouble');
      const items = itemsOf(reply);
      expect(items).to.have.length(7);
      expect(items.at(-2)).to.equal(
        '`failed-2` invitation to someone no longer known: *failed* (every attempt failed; last error: Slack said channel_not_found, 9 March 2027 08:11)',
      );
      expect(items.at(-1)).to.equal('`failed-1` invitation to learner@example.org: *failed* (every attempt failed; last error: Teams said 403, 9 March 2027 08:10)');
      expect(textsOf(reply)).to.deep.equal(['*In trouble*', 'Send one again with `retry <id>`.']);
    });

    it('with nothing in trouble, shows only the counts', async function () {
      const { reply } = await run('notices failed');
      expect(reply.title).to.equal('0 notices in trouble');
      expect(itemsOf(reply)).to.deep.equal([]);
    });

    it('`retry` puts a failed notice back in line now, records who did it, and delivers soon', async function () {
      await outbox();
      const { reply, problem, confirm } = await run('retry failed-1');
      expect(problem).to.equal(undefined);
      expect(confirm).to.equal(undefined);
      expect(reply.tone).to.equal('done');
      expect(reply.title).to.equal('Notice failed-1 will be sent again.');
      expect(textsOf(reply)).to.deep.equal(['It was failed (Teams said 403).']);
      const notice = await db().Notice.findById('failed-1').lean<Notice>();
      expect(notice).to.deep.include({ status: 'pending', retriedAtAttempt: 5, attempts: 5 });
      expect(notice!.nextAttemptAt).to.deep.equal(new Date(NOW));
      expect(notice!.updatedAt).to.deep.equal(new Date(NOW));
      const events = await db().AuditEvent.find({ subject: 'notice:failed-1' }).lean<AuditEvent[]>();
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({ seq: 1, action: 'notice-retry', from: 'failed', to: 'pending', actor: admin });
      expect(events[0]!.at).to.deep.equal(new Date(NOW));
      expect(deliverSoon.calledOnce).to.equal(true);
    });

    it('`retry` also sends an uncertain and an undeliverable notice again', async function () {
      await outbox();
      expect((await run('retry uncertain-2')).reply.title).to.equal('Notice uncertain-2 will be sent again.');
      expect(await db().Notice.findById('uncertain-2').lean()).to.deep.include({ status: 'pending', retriedAtAttempt: 2 });
      expect((await run('retry undeliverable-2')).reply.title).to.equal('Notice undeliverable-2 will be sent again.');
      expect(await db().Notice.findById('undeliverable-2').lean()).to.deep.include({ status: 'pending', retriedAtAttempt: 0 });
      expect(deliverSoon.callCount).to.equal(2);
    });

    it('`retry` has nothing to do for a sent or pending notice and refuses an unknown id', async function () {
      await outbox();
      const before = await everything();
      const sent = await run('retry sent-1');
      expect(sent.problem).to.equal(undefined);
      expect(sent.reply.title).to.equal('Nothing to do: notice sent-1 is sent.');
      const pending = await run('retry pending-1');
      expect(pending.reply.title).to.equal('Nothing to do: notice pending-1 is pending.');
      const unknown = await run('retry no-such-notice');
      expect(unknown.problem).to.equal('refused');
      expect(unknown.reply.title).to.equal('There is no notice no-such-notice; `notices failed` lists their ids.');
      expect(await everything()).to.deep.equal(before);
      expect(deliverSoon.called).to.equal(false);
    });

    it('`retry` with two ids is a usage problem', async function () {
      const two = await run('retry a b');
      expect(two.problem).to.equal('usage');
      expect(two.reply.title).to.equal('Unexpected "b".');
    });

    it('`retry` without an id is a usage problem', async function () {
      const none = await run('retry');
      expect(none.problem).to.equal('usage');
      expect(textsOf(none.reply)).to.deep.equal(['Usage: `retry <notice id>`']);
    });
  });

  describe('import (learning activity)', function () {
    const REPORT = [
      'Email,Name,Last Activity At',
      'h1@example.org,One,2027-03-09 10:00:00',
      'h2@example.org,Two,',
      'waiting@example.org,Waiting,2027-03-08 10:00:00',
      'stranger@example.org,Stranger,2027-03-08 10:00:00',
      'bad-address,Bad,2027-03-08 10:00:00',
      'h1@example.org,One,not a date',
      '',
    ].join('\r\n');

    async function holders() {
      await make('active', 'h1@example.org', '2027-03-01T10:00:00Z');
      await make('invited', 'h2@example.org', '2027-03-01T10:00:00Z');
      await make('waiting', 'waiting@example.org', '2027-03-02T10:00:00Z');
      clock.set(NOW);
    }

    it('previews the counts, and the confirmation reads the very file the preview read', async function () {
      await holders();
      shared.push({ name: 'usage-report.csv', ref: 'F001', text: REPORT });
      const before = await everything();
      const preview = await run('import');
      expect(preview.problem).to.equal(undefined);
      expect(preview.reply.tone).to.equal('preview');
      expect(preview.reply.title).to.equal('Import usage-report.csv?');
      expect(preview.confirm).to.equal('import F001');
      expect(textsOf(preview.reply)).to.deep.equal([
        '6 rows read. Activity would be recorded for *1* license holders; 0 had nothing newer.',
        'Rows without activity yet: 1; people without a license: 1; addresses nobody here has: 1 (e.g. stranger@example.org); rows that could not be used: 2.',
      ]);
      expect(itemsOf(preview.reply)).to.deep.equal(['line 6: "bad-address" is not an email address', 'line 7: "not a date" is not a date (expected e.g. 2027-03-14 09:30:00)']);
      expect(await everything()).to.deep.equal(before);

      // Someone shares another CSV before the admin confirms: the confirmation still reads F001.
      shared.push({ name: 'something-else.csv', ref: 'F002', text: 'Email,Last Activity At\r\nh2@example.org,2027-03-09 11:00:00\r\n' });
      const done = await run(preview.confirm!, true);
      expect(openFile.lastCall.args).to.deep.equal(['F001']);
      expect(done.reply.tone).to.equal('done');
      expect(done.reply.title).to.equal('Imported usage-report.csv');
      expect(textsOf(done.reply)[0]).to.equal('6 rows read. Activity recorded for *1* license holders; 0 had nothing newer.');
      const h1 = await person('h1@example.org');
      expect(h1).to.deep.include({ state: 'active' });
      expect(h1!.lastActivityAt).to.deep.equal(new Date('2027-03-09T10:00:00Z'));
      expect(await person('h2@example.org')).to.deep.include({ state: 'invited' });
      expect(await lastEventOf('h1@example.org')).to.deep.include({ action: 'activity', actor: admin });

      const again = await run('import F001', true);
      expect(textsOf(again.reply)[0]).to.equal('6 rows read. Activity recorded for *0* license holders; 1 had nothing newer.');
    });

    it('`import preview` reports without asking to confirm and changes nothing', async function () {
      await holders();
      shared.push({ name: 'usage-report.csv', ref: 'F001', text: REPORT });
      const before = await everything();
      const { reply, confirm } = await run('import preview F001');
      expect(confirm).to.equal(undefined);
      expect(reply.tone).to.equal('preview');
      expect(reply.title).to.equal('Preview of usage-report.csv');
      expect(await everything()).to.deep.equal(before);
    });

    it('refuses a file that is not an activity report, and a missing file', async function () {
      shared.push({ name: 'people.csv', ref: 'F009', text: 'Email,Name\r\na@example.org,A\r\n' });
      const wrong = await run('import');
      expect(wrong.problem).to.equal('refused');
      expect(wrong.reply.title).to.match(/^This file is not a Coursera membership or usage report: .* Its columns are: Email, Name\.$/);
      const missing = await run('import F404');
      expect(missing.problem).to.equal('refused');
      expect(missing.reply.title).to.equal('There is no file F404.');
    });
  });

  describe('import-queue', function () {
    const OLD_WAITLIST = [
      'Email,Name,Applied At',
      'late@example.org,Late Person,2026-11-05 09:00:00',
      'early@example.org,"Early, Person",2026-10-01 09:00:00',
      'known@example.org,Known,2026-09-01',
      'not-an-address,Bad,2026-10-01',
      '',
    ].join('\r\n');

    it('previews the counts pinned to the file, then joins people in the order they applied; a second run adds nobody', async function () {
      await make('waiting', 'known@example.org');
      shared.push({ name: 'old-waitlist.csv', ref: 'https://files.example/old-waitlist.csv', text: OLD_WAITLIST });
      const before = await everything();
      const preview = await run('import-queue');
      expect(preview.reply.tone).to.equal('preview');
      expect(preview.reply.title).to.equal('Import the waitlist in old-waitlist.csv?');
      expect(preview.confirm).to.equal('import-queue https://files.example/old-waitlist.csv');
      expect(textsOf(preview.reply)).to.deep.equal([
        '4 rows read. *2* would join the waitlist in the order they applied; 1 were already known here and left as they are.',
        'Rows that could not be used: 1',
      ]);
      expect(itemsOf(preview.reply)).to.deep.equal(['line 5: "not-an-address" is not an email address']);
      expect(await everything()).to.deep.equal(before);

      const done = await run(preview.confirm!, true);
      expect(openFile.lastCall.args).to.deep.equal(['https://files.example/old-waitlist.csv']);
      expect(done.reply.title).to.equal('Imported the waitlist in old-waitlist.csv');
      expect(textsOf(done.reply)[0]).to.equal('4 rows read. *2* joined the waitlist in the order they applied; 1 were already known here and left as they are.');
      const queue = await run('queue');
      expect(itemsOf(queue.reply)).to.deep.equal([
        '1. known@example.org, applied 10 March 2027',
        '2. early@example.org (Early, Person), applied 1 October 2026',
        '3. late@example.org (Late Person), applied 5 November 2026',
      ]);
      expect(await lastEventOf('early@example.org')).to.deep.include({ action: 'apply', actor: admin });

      const after = await everything();
      const again = await run(preview.confirm!, true);
      expect(textsOf(again.reply)[0]).to.equal('4 rows read. *0* joined the waitlist in the order they applied; 3 were already known here and left as they are.');
      expect(await everything()).to.deep.equal(after);
    });
  });

  describe('export', function () {
    it('sends the queue as CSV: in line in turnover order, then those on hold', async function () {
      await licensing.apply({ email: 'first@example.org', displayName: 'Doe, Jane' }, self({ email: 'first@example.org' }));
      await make('on_hold', 'hold@example.org', '2027-03-10T10:00:00Z');
      await make('paused_ready', 'back@example.org', '2027-03-10T11:00:00Z');
      await make('waiting', 'second@example.org', '2027-03-10T12:00:00Z');
      const { reply, problem } = await run('export queue');
      expect(problem).to.equal(undefined);
      expect(reply.tone).to.equal('done');
      expect(reply.title).to.equal('license-desk-queue-2027-03-10.csv: 4 rows');
      expect(reply.file).to.deep.include({ name: 'license-desk-queue-2027-03-10.csv', title: 'License Desk queue export' });
      expect(reply.file!.content).to.equal(
        [
          'Position,Email,Name,Applied At,State',
          '1,back@example.org,,2027-03-10T11:00:00.000Z,paused_ready',
          '2,first@example.org,"Doe, Jane",2027-03-10T09:00:00.000Z,waiting',
          '3,second@example.org,,2027-03-10T12:00:00.000Z,waiting',
          '4,hold@example.org,,2027-03-10T10:00:00.000Z,on_hold',
          '',
        ].join('\r\n'),
      );
    });

    it('sends the license holders as CSV', async function () {
      await make('active', 'a@example.org', '2027-02-01T10:00:00Z');
      await make('invited', 'b@example.org', '2027-03-01T10:00:00Z');
      await make('waiting', 'c@example.org');
      const { reply } = await run('export licenses');
      expect(reply.title).to.equal('license-desk-licenses-2027-03-10.csv: 2 rows');
      expect(reply.file!.content).to.equal(
        [
          'Email,Name,State,Invited At,License Ends At,Last Activity At,Warned At',
          'a@example.org,,active,2027-02-01T10:00:00.000Z,2027-12-31T23:59:59.999Z,2027-02-01T10:00:00.000Z,',
          'b@example.org,,invited,2027-03-01T10:00:00.000Z,2027-12-31T23:59:59.999Z,,',
          '',
        ].join('\r\n'),
      );
    });

    it('sends the whole audit log as CSV, a row per event', async function () {
      await run('invite alex@example.org approved, with "quotes"', true);
      await run('capacity 10', true);
      const { reply } = await run('export audit');
      const count = await db().AuditEvent.countDocuments();
      expect(count).to.equal(2);
      expect(reply.title).to.equal('license-desk-audit-2027-03-10.csv: 2 rows');
      const lines = reply.file!.content.split('\r\n');
      expect(lines[0]).to.equal('At,Subject,Email,Seq,Actor Kind,Actor,Action,From,To,Reason,Changes');
      expect(lines).to.have.length(4);
      const alex = await person('alex@example.org');
      expect(lines[1]).to.match(
        new RegExp(`^2027-03-10T09:00:00\\.000Z,person:${alex!._id.toString()},alex@example\\.org,1,admin,U_ADMIN,admin-invite,none,invited,"approved, with ""quotes""","\\{""set"":`),
      );
      expect(lines[2]).to.equal('2027-03-10T09:00:00.000Z,settings,,1,admin,U_ADMIN,settings,,,,"{""set"":{""capacity"":10},""unset"":[]}"');
    });

    it('refuses an export it does not know', async function () {
      const none = await run('export');
      expect(none.problem).to.equal('usage');
      expect(none.reply.title).to.equal('Say which kind of export: queue, licenses, audit.');
      const other = await run('export people');
      expect(other.problem).to.equal('usage');
      expect(other.reply.title).to.include('"people" is not a');
    });
  });

  describe('lines that are not understood', function () {
    const LINES: [string, string][] = [
      ['frobnicate now', 'There is no command "frobnicate". Try `help` for the list.'],
      ['invite alex-at-example.org approved', '"alex-at-example.org" is not an email address.'],
      ['invite alex@example approved', '"alex@example" is not an email address.'],
      [`apply ${'a'.repeat(10 * 1024)}@example.org`, 'That is 10,258 characters; a command is at most 1,000. Try `help`.'],
      ['capacity abc', 'The capacity must be a whole number from 0 to 100000; got "abc".'],
      ['capacity 5 please', 'Unexpected "please".'],
      ['turnover now', 'Unexpected "now".'],
      ['who', 'Which person? Give their email address.'],
    ];
    for (const [typed, message] of LINES) {
      it(`answers \`${typed.slice(0, 40)}\` with a usage problem and writes nothing, even confirmed`, async function () {
        await make('active', 'holder@example.org');
        await make('waiting', 'waiting@example.org');
        const before = await everything();
        for (const confirmedToo of [false, true]) {
          const { reply, problem, confirm } = await run(typed, confirmedToo);
          expect(problem).to.equal('usage');
          expect(confirm).to.equal(undefined);
          expect(reply.tone).to.equal('refused');
          expect(reply.title).to.equal(message);
        }
        expect(await everything()).to.deep.equal(before);
        expect(deliverSoon.called).to.equal(false);
        expect(openFile.called).to.equal(false);
      });
    }
  });

  it('keeps people it does not know out of the database when a refusal is shown', async function () {
    // `who` and the person commands look people up; none of them may create a record.
    const before = await everything();
    for (const line of ['who ghost@example.org', 'revoke ghost@example.org because', 'pause ghost@example.org', 'ready ghost@example.org', 'release ghost@example.org']) {
      const { problem } = await run(line, true);
      expect(problem, line).to.equal('refused');
    }
    expect(await everything()).to.deep.equal(before);
    expect(await getPersonByEmail(db(), 'ghost@example.org').catch((error: Error) => error.message)).to.equal('Nobody with the address ghost@example.org is known here.');
  });
});
