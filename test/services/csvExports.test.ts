// The CSV files that leave and come back: the queue export imported as a waitlist into
// another installation, the licenses export imported as an activity report, and the CSV
// writing and reading underneath (quoting, the spreadsheet formula guard, line numbers).
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import type { Models, Person } from '../../models/index.js';
import { importActivity } from '../../services/activityImport.js';
import { ManualClock } from '../../services/clock.js';
import { csvRows, csvText, unguarded, type CsvColumns } from '../../services/csv.js';
import { exportCsv } from '../../services/exports.js';
import { Licensing } from '../../services/licensing.js';
import { headOfQueue } from '../../services/queue.js';
import { loadSettings, updateSettings } from '../../services/settings.js';
import { importWaitlist } from '../../services/waitlistImport.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { admin, bringTo, refusal, self, snapshot } from '../support/licensing.js';

const NOW = '2027-03-10T09:00:00Z';

/** A CSV read back by an independent parser: the header, then the rows. */
function table(content: string): string[][] {
  return parse(content, { relax_column_count: true }) as string[][];
}

/** The queue in turnover order, as the emails and dates turnover would see. */
async function line(models: Models): Promise<{ email: string; name?: string; appliedAt?: string }[]> {
  const head = await headOfQueue(models, await loadSettings(models), 1000);
  return head.map((p) => ({ email: p.email, ...(p.displayName ? { name: p.displayName } : {}), ...(p.appliedAt ? { appliedAt: p.appliedAt.toISOString() } : {}) }));
}

describe('CSV exports and imports', function () {
  const a = useTestDatabase();
  let b: Models;
  const clock = new ManualClock(NOW);
  let licensingA: Licensing;
  let licensingB: Licensing;

  const second = useTestDatabase();
  beforeEach(async function () {
    b = second();
    await Promise.all([clearDatabase(a()), clearDatabase(b)]);
    clock.set(NOW);
    licensingA = new Licensing(a(), clock);
    licensingB = new Licensing(b, clock);
  });

  const importInto = (models: Models, licensing: Licensing, content: string | Readable, dryRun = false) =>
    importWaitlist(models, licensing, content, { actor: admin, now: clock.now(), dryRun });

  /** Applies on the given date, as the person themselves. */
  async function applyOn(licensing: Licensing, at: string, email: string, displayName?: string): Promise<Person> {
    clock.set(at);
    const { person } = await licensing.apply({ email, ...(displayName ? { displayName } : {}) }, self({ email }));
    clock.set(NOW);
    return person;
  }

  describe('the queue export, imported as a waitlist elsewhere', function () {
    const APPLICANTS: [string, string, string | undefined][] = [
      ['2026-09-01T08:00:00Z', 'plain@example.org', 'Plain Person'],
      ['2026-09-15T12:30:00Z', 'comma@example.org', 'Doe, Jane'],
      ['2026-10-01T00:00:00Z', 'quote@example.org', 'Jane "JD" Doe'],
      ['2026-10-20T17:45:10Z', 'formula@example.org', '=HYPERLINK("http://evil.example","click me")'],
      ['2026-11-11T11:11:11Z', 'minus@example.org', '-minus, and a comma'],
      ['2026-12-01T09:00:00Z', 'plus@example.org', '+44 20 7946 0000'],
      ['2026-12-24T18:00:00Z', 'at@example.org', '@handle'],
      ['2027-01-05T07:00:00Z', 'noname@example.org', undefined],
      ['2027-02-01T10:00:00Z', 'hold@example.org', 'On Hold'],
    ];

    async function queueInA() {
      for (const [at, email, name] of APPLICANTS) await applyOn(licensingA, at, email, name);
      const hold = await a().Person.findOne({ email: 'hold@example.org' }).lean<Person>();
      await licensingA.pause(hold!._id, self(hold!));
    }

    it('round-trips: same positions, emails, names and applied-at; a second import changes nothing', async function () {
      await queueInA();
      const exported = await exportCsv(a(), 'queue', clock.now());
      expect(exported.name).to.equal('license-desk-queue-2027-03-10.csv');
      expect(exported.rows).to.equal(APPLICANTS.length);
      // The file guards the formula-looking names and quotes commas and quotes.
      expect(exported.content).to.include('"\'=HYPERLINK(""http://evil.example"",""click me"")"');
      expect(exported.content).to.include(`"'-minus, and a comma"`);
      expect(exported.content).to.include(`,'+44 20 7946 0000,`);
      expect(exported.content).to.include(`,'@handle,`);
      expect(exported.content).to.include('"Jane ""JD"" Doe"');
      const rowsA = table(exported.content);
      expect(rowsA[0]).to.deep.equal(['Position', 'Email', 'Name', 'Applied At', 'State']);
      expect(rowsA.slice(1).map((row) => row[4])).to.deep.equal([...Array<string>(8).fill('waiting'), 'on_hold']);

      const report = await importInto(b, licensingB, exported.content);
      expect(report).to.deep.equal({ rows: 9, added: 9, alreadyKnown: 0, refused: { count: 0, examples: [] }, malformed: { count: 0, examples: [] }, dryRun: false });

      const rowsB = table((await exportCsv(b, 'queue', clock.now())).content);
      expect(rowsB.map((row) => row.slice(0, 4))).to.deep.equal(rowsA.map((row) => row.slice(0, 4)));
      // Those on hold there join the line here: the waitlist import knows no "on hold".
      expect(rowsB.at(-1)![4]).to.equal('waiting');
      // The names are stored as typed, not as guarded in the file.
      const people = await b.Person.find().sort({ appliedAt: 1 }).lean<Person[]>();
      expect(people.map((p) => [p.email, p.displayName, p.appliedAt?.toISOString()])).to.deep.equal(
        APPLICANTS.map(([at, email, name]) => [email, name, new Date(at).toISOString()]),
      );
      expect(await b.AuditEvent.countDocuments({ action: 'apply', 'actor.id': admin.id })).to.equal(9);

      const before = await snapshot(b);
      const again = await importInto(b, licensingB, Readable.from([exported.content]));
      expect(again).to.deep.include({ rows: 9, added: 0, alreadyKnown: 9 });
      expect(again.malformed.count).to.equal(0);
      expect(await snapshot(b)).to.deep.equal(before);
    });

    it('imported back into the installation it came from, changes nothing', async function () {
      await queueInA();
      const exported = await exportCsv(a(), 'queue', clock.now());
      const before = await snapshot(a());
      const report = await importInto(a(), licensingA, exported.content);
      expect(report).to.deep.include({ rows: 9, added: 0, alreadyKnown: 9 });
      expect(await snapshot(a())).to.deep.equal(before);
    });

    it('keeps applied-at to the millisecond', async function () {
      await applyOn(licensingA, '2026-09-01T08:00:00.250Z', 'first@example.org');
      await applyOn(licensingA, '2026-09-01T08:00:00.750Z', 'second@example.org');
      await importInto(b, licensingB, (await exportCsv(a(), 'queue', clock.now())).content);
      expect(await line(b)).to.deep.equal(await line(a()));
    });

    it('round-trips an address that starts with a formula character', async function () {
      await applyOn(licensingA, '2026-09-01T08:00:00Z', '-ops@example.org', 'Ops');
      await applyOn(licensingA, '2026-09-02T08:00:00Z', '+team@example.org', 'Team');
      const exported = await exportCsv(a(), 'queue', clock.now());
      expect(table(exported.content).slice(1).map((row) => row[1])).to.deep.equal(["'-ops@example.org", "'+team@example.org"]);
      await importInto(b, licensingB, exported.content);
      const there = (await line(b)).map((p) => p.email);
      // Imported back where it came from, it should find the same two people.
      const back = await importInto(a(), licensingA, exported.content);
      expect({ there, back: { added: back.added, alreadyKnown: back.alreadyKnown } }).to.deep.equal({
        there: ['-ops@example.org', '+team@example.org'],
        back: { added: 0, alreadyKnown: 2 },
      });
    });
  });

  describe('the licenses export, imported as an activity report', function () {
    it('carries each holder’s last activity to an installation with the same holders', async function () {
      const at = (now: string) => ({ models: a(), licensing: licensingA, clock, now });
      const h1 = await bringTo('active', 'h1@example.org', at('2027-06-01T10:00:00Z'));
      clock.set('2027-06-20T08:30:00Z');
      await licensingA.recordActivity(h1._id, clock.now(), admin);
      await bringTo('invited', 'h2@example.org', at('2027-06-10T10:00:00Z'));
      await bringTo('active', 'h3@example.org', at('2027-05-02T10:00:00Z'));
      await bringTo('active', 'only.there@example.org', at('2027-05-03T10:00:00Z'));
      await bringTo('waiting', 'waiting@example.org', at('2027-05-04T10:00:00Z'));

      const there = (now: string) => ({ models: b, licensing: licensingB, clock, now });
      await bringTo('invited', 'h1@example.org', there('2027-05-01T10:00:00Z'));
      await bringTo('invited', 'h2@example.org', there('2027-06-10T10:00:00Z'));
      await bringTo('invited', 'h3@example.org', there('2027-05-01T10:00:00Z'));
      clock.set('2027-06-25T09:00:00Z');

      const exported = await exportCsv(a(), 'licenses', clock.now());
      const rowsA = table(exported.content);
      expect(rowsA[0]).to.deep.equal(['Email', 'Name', 'State', 'Invited At', 'License Ends At', 'Last Activity At', 'Warned At']);
      expect(rowsA.slice(1).map((row) => [row[0], row[2], row[5]])).to.deep.equal([
        ['h3@example.org', 'active', '2027-05-02T10:00:00.000Z'],
        ['only.there@example.org', 'active', '2027-05-03T10:00:00.000Z'],
        ['h1@example.org', 'active', '2027-06-20T08:30:00.000Z'],
        ['h2@example.org', 'invited', ''],
      ]);

      const report = await importActivity(b, licensingB, exported.content, { actor: admin });
      expect(report).to.deep.equal({
        rows: 4,
        applied: 2,
        unchanged: 0,
        noActivity: 1,
        notHolding: 0,
        unmatched: { count: 1, examples: ['only.there@example.org'] },
        malformed: { count: 0, examples: [] },
        dryRun: false,
      });
      const activityOf = async (models: Models) =>
        Object.fromEntries(
          (await models.Person.find({ email: { $in: ['h1@example.org', 'h2@example.org', 'h3@example.org'] } }).lean<Person[]>()).map((p) => [
            p.email,
            [p.state, p.lastActivityAt?.toISOString()],
          ]),
        );
      expect(await activityOf(b)).to.deep.equal(await activityOf(a()));

      const before = await snapshot(b);
      const again = await importActivity(b, licensingB, exported.content, { actor: admin });
      expect(again).to.deep.include({ applied: 0, unchanged: 2, noActivity: 1 });
      expect(await snapshot(b)).to.deep.equal(before);
    });
  });

  describe('importing a waitlist', function () {
    it('joins people in the order of their dates whatever the file’s order, behind anyone already in line', async function () {
      await applyOn(licensingB, NOW, 'already@example.org');
      const file = [
        'Email,Name,Applied At',
        'c@example.org,C,2026-12-01',
        'a@example.org,A,2026-10-01 09:00:00',
        'b@example.org,B,2026-11-01T10:00:00Z',
        'd@example.org,D,2026-10-15T12:00:00+02:00',
      ].join('\n');
      const report = await importInto(b, licensingB, file);
      expect(report).to.deep.include({ rows: 4, added: 4, alreadyKnown: 0 });
      expect(await line(b)).to.deep.equal([
        { email: 'already@example.org', appliedAt: '2027-03-10T09:00:00.000Z' },
        { email: 'a@example.org', name: 'A', appliedAt: '2026-10-01T09:00:00.000Z' },
        { email: 'd@example.org', name: 'D', appliedAt: '2026-10-15T10:00:00.000Z' },
        { email: 'b@example.org', name: 'B', appliedAt: '2026-11-01T10:00:00.000Z' },
        { email: 'c@example.org', name: 'C', appliedAt: '2026-12-01T00:00:00.000Z' },
      ]);
    });

    it('keeps the file’s order for the same date, and counts an address given twice once', async function () {
      const file = [
        'Email,Name,Applied At',
        'z@example.org,Z,2026-10-01 09:00',
        'y@example.org,Y,2026-10-01T09:00:00Z',
        'Z@Example.org,Z again,2026-09-01',
        'x@example.org,X,2026-10-01T11:00:00+02:00',
        'w@example.org,W,2026-09-30 23:59:59',
      ].join('\r\n');
      const report = await importInto(b, licensingB, file);
      expect(report).to.deep.include({ rows: 5, added: 4, alreadyKnown: 1 });
      // The earliest date of an address given twice is the one that counts.
      expect((await line(b)).map((p) => [p.email, p.name])).to.deep.equal([
        ['z@example.org', 'Z again'],
        ['w@example.org', 'W'],
        ['y@example.org', 'Y'],
        ['x@example.org', 'X'],
      ]);
    });

    it('counts and skips malformed rows with their line numbers', async function () {
      const file = [
        'Email,Name,Applied At',
        'good@example.org,Good,2026-10-01',
        'not-an-email,Bad,2026-10-01',
        ',No email,2026-10-01',
        'date@example.org,Bad date,01/10/2026',
        'nodate@example.org,No date,',
        'feb@example.org,No such day,2026-02-30',
        'future@example.org,Future,2027-03-11',
        'short@example.org',
        'good2@example.org,Good Two,2026-10-02 10:00',
        '',
      ].join('\r\n');
      const report = await importInto(b, licensingB, file);
      expect(report).to.deep.include({ rows: 9, added: 2, alreadyKnown: 0 });
      expect(report.malformed).to.deep.equal({
        count: 7,
        examples: [
          { line: 3, reason: '"not-an-email" is not an email address' },
          { line: 4, reason: 'no email address' },
          { line: 5, reason: '"01/10/2026" is not a date (expected e.g. 2026-03-14 09:30:00)' },
          { line: 6, reason: 'no application date' },
          { line: 7, reason: '"2026-02-30" is not a date (expected e.g. 2026-03-14 09:30:00)' },
          { line: 8, reason: 'the application date 2027-03-11 is in the future' },
          { line: 9, reason: 'no application date' },
        ],
      });
      expect((await line(b)).map((p) => p.email)).to.deep.equal(['good@example.org', 'good2@example.org']);
      expect(await b.Person.countDocuments()).to.equal(2);
    });

    it('refuses addresses at a domain that may not apply, in a dry run and for real', async function () {
      await updateSettings(b, { allowedEmailDomains: ['example.org'] }, { actor: admin, at: clock.now() });
      const file = ['Email,Name,Applied At', 'ok@example.org,Ok,2026-10-01', 'out@elsewhere.net,Out,2026-10-02', 'OK2@EXAMPLE.ORG,Ok 2,2026-10-03'].join('\n');
      const refused = { count: 1, examples: [{ email: 'out@elsewhere.net', reason: 'Only addresses at example.org can apply; out@elsewhere.net is not one.' }] };

      const dry = await importInto(b, licensingB, file, true);
      expect(dry).to.deep.include({ rows: 3, added: 2, alreadyKnown: 0, dryRun: true });
      expect(dry.refused).to.deep.equal(refused);

      const real = await importInto(b, licensingB, file);
      expect(real).to.deep.include({ rows: 3, added: 2, alreadyKnown: 0, dryRun: false });
      expect(real.refused).to.deep.equal(refused);
      expect((await line(b)).map((p) => p.email)).to.deep.equal(['ok@example.org', 'ok2@example.org']);
      expect(await b.Person.exists({ email: 'out@elsewhere.net' })).to.equal(null);
    });

    it('in a dry run counts exactly what the real run then does, and writes nothing', async function () {
      const context = (now: string) => ({ models: b, licensing: licensingB, clock, now });
      await bringTo('waiting', 'waiting@example.org', context(NOW));
      await bringTo('none', 'installed@example.org', context(NOW)); // known to the bot, never applied
      await bringTo('active', 'holder@example.org', context(NOW));
      await bringTo('released', 'released@example.org', context(NOW));
      const file = [
        'Email Address,Full Name,Timestamp',
        'new@example.org,New,2026-10-01',
        'waiting@example.org,Waiting,2026-10-01',
        'installed@example.org,Installed,2026-10-02',
        'holder@example.org,Holder,2026-10-03',
        'released@example.org,Released,2026-10-04',
        'new@example.org,New again,2026-10-05',
        'broken,Broken,2026-10-06',
      ].join('\r\n');
      const before = await snapshot(b);
      const dry = await importInto(b, licensingB, `\uFEFF${file}`, true);
      expect(await snapshot(b)).to.deep.equal(before);
      expect(dry).to.deep.include({ rows: 7, added: 2, alreadyKnown: 4, dryRun: true });
      expect(dry.malformed.count).to.equal(1);

      const real = await importInto(b, licensingB, `\uFEFF${file}`);
      expect({ ...real, dryRun: true }).to.deep.equal(dry);
      expect((await line(b)).map((p) => p.email)).to.deep.equal(['waiting@example.org', 'new@example.org', 'installed@example.org']);
      expect(await b.Person.findOne({ email: 'released@example.org' }).lean()).to.deep.include({ state: 'released' });
    });

    it('refuses a file without the columns it needs, naming the ones it has', async function () {
      const error = await refusal(importInto(b, licensingB, 'Email,Name\na@example.org,A\n'));
      expect(error.code).to.equal('invalid-input');
      expect(error.message).to.equal(
        'This file is not a waitlist: it needs an "Email" column and an "Applied At" column (a "Name" column is optional). Its columns are: Email, Name.',
      );
      expect(await b.Person.countDocuments()).to.equal(0);
    });
  });

  describe('csvText and unguarded', function () {
    it('quotes commas, quotes, CR and LF, writes CRLF lines, and leaves empty what is missing', function () {
      const text = csvText(
        ['Name', 'Value'],
        [
          ['Doe, Jane', 'say "hi"'],
          ['two\nlines', 'cr\ronly'],
          ['crlf\r\nhere', 'plain'],
          [undefined, null],
          [new Date('2027-01-02T03:04:05.006Z'), { set: { capacity: 8 }, unset: [] }],
          [42, true],
        ],
      );
      expect(text).to.equal(
        [
          'Name,Value',
          '"Doe, Jane","say ""hi"""',
          '"two\nlines","cr\ronly"',
          '"crlf\r\nhere",plain',
          ',',
          '2027-01-02T03:04:05.006Z,"{""set"":{""capacity"":8},""unset"":[]}"',
          '42,true',
          '',
        ].join('\r\n'),
      );
      expect(table(text).slice(1, 4)).to.deep.equal([
        ['Doe, Jane', 'say "hi"'],
        ['two\nlines', 'cr\ronly'],
        ['crlf\r\nhere', 'plain'],
      ]);
    });

    it('guards a leading =, +, -, @, tab or CR so spreadsheets do not run it, and unguarded undoes it', function () {
      const values = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x.example","a, b")'];
      const text = csvText(['Value'], values.map((value) => [value]));
      expect(text.split('\r\n').slice(1, 5)).to.deep.equal(["'=1+1", "'+1", "'-1", "'@SUM(A1)"]);
      const read = table(text).slice(1).map((row) => row[0]!);
      expect(read).to.deep.equal(values.map((value) => `'${value}`));
      expect(read.map(unguarded)).to.deep.equal(values);
      // A number written negative is text to the guard too.
      expect(csvText(['n'], [[-5]])).to.equal("n\r\n'-5\r\n");
    });

    it('leaves alone what it did not guard', function () {
      expect(csvText(['v'], [['a=b'], ["it's"], ["'quoted"]])).to.equal("v\r\na=b\r\nit's\r\n'quoted\r\n");
      for (const value of ["'quoted", "it's", '=raw', "'", '', 'plain']) expect(unguarded(value), value).to.equal(value);
    });

    it('round-trips a value that itself starts with an apostrophe before a formula character', function () {
      const values = ["'=x", "'-)", "'+1"];
      const read = table(csvText(['Value'], values.map((value) => [value]))).slice(1).map((row) => unguarded(row[0]!));
      expect(read).to.deep.equal(values);
    });

    it('reads back with csvRows what csvText wrote, columns found by header in any case', async function () {
      const columns: CsvColumns<'email' | 'name'> = {
        headers: { email: ['email'], name: ['name'] },
        required: ['email'],
        missing: () => 'no email column',
      };
      const rows = [
        ['a@example.org', 'Doe, Jane'],
        ['b@example.org', 'two\r\nlines "quoted"'],
        ['c@example.org', "'=guarded"],
      ];
      const read: { line: number; values: Record<string, string | undefined> }[] = [];
      const problems: number[] = [];
      for await (const row of csvRows(csvText([' EMAIL ', 'Name'], rows), columns, (line) => problems.push(line))) read.push(row);
      expect(problems).to.deep.equal([]);
      expect(read.map((row) => [row.values.email, row.values.name])).to.deep.equal([
        ['a@example.org', 'Doe, Jane'],
        ['b@example.org', 'two\r\nlines "quoted"'],
        ['c@example.org', "'=guarded"],
      ]);
    });
  });
});
