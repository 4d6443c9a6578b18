import { expect } from 'chai';
import { importActivity, parseReportTime } from '../../services/activityImport.js';
import { ManualClock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { getPersonByEmail } from '../../services/people.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { admin, snapshot, system } from '../support/licensing.js';

const MEMBERSHIP_HEADER =
  'Name,Email,External Id,Program Name,Program Slug,# Enrolled Courses,# Completed Courses,Member State,Join Date,Invitation Date,Latest Program Activity Date,Job Title';

describe('importing learning activity from a Coursera report', () => {
  const db = useTestDatabase();
  const clock = new ManualClock('2027-03-01T09:00:00Z');
  let licensing: Licensing;

  async function holders(...emails: string[]) {
    clock.set('2027-03-01T09:00:00Z');
    for (const email of emails) {
      const { person } = await licensing.apply({ email }, system);
      await licensing.invite(person._id, system);
    }
    clock.set('2027-03-20T09:00:00Z');
  }
  const lastActivity = async (email: string) => (await getPersonByEmail(db(), email)).lastActivityAt?.toISOString();

  beforeEach(async () => {
    await clearDatabase(db());
    licensing = new Licensing(db(), clock);
  });

  it('reads the membership report, whatever the header case, with a BOM, quoted commas and extra columns', async () => {
    await holders('ada@example.org', 'grace@example.org', 'alan@example.org');
    await licensing.apply({ email: 'waiting@example.org' }, system);
    const csv = [
      `\uFEFF${MEMBERSHIP_HEADER.toUpperCase().replace('LATEST PROGRAM', ' Latest  program')},Extra`,
      '"Lovelace, Ada",Ada@Example.org,,Program,slug,2,0,MEMBER,2027-03-02,2027-03-01,2027-03-15 10:30:00,"Engineer, senior",x',
      '"Hopper, Grace",grace@example.org,,Program,slug,1,0,MEMBER,2027-03-02,2027-03-01,,Admiral',
      'Turing,alan@example.org,,Program,slug,1,1,MEMBER,2027-03-02,2027-03-01,2027-03-18T08:00:00Z',
      'Someone,waiting@example.org,,Program,slug,0,0,INVITED,,2027-03-01,2027-03-10 08:00:00,',
      'Stranger,stranger@example.org,,Program,slug,0,0,MEMBER,,2027-03-01,2027-03-10 08:00:00,',
      'Broken,not-an-email,,Program,slug,0,0,MEMBER,,2027-03-01,2027-03-10 08:00:00,',
      'Bad date,ada@example.org,,Program,slug,0,0,MEMBER,,2027-03-01,15/03/2027,',
      'Short row,grace@example.org',
      '',
    ].join('\r\n');
    const report = await importActivity(db(), licensing, csv, { actor: admin });

    expect(report).to.deep.include({ rows: 8, applied: 2, unchanged: 0, noActivity: 1, notHolding: 1 });
    expect(report.malformed.examples[2]?.reason).to.equal('the row ends before the activity column');
    expect(report.unmatched).to.deep.equal({ count: 1, examples: ['stranger@example.org'] });
    expect(report.malformed.count).to.equal(3);
    expect(report.malformed.examples.map((m) => m.line)).to.deep.equal([7, 8, 9]);
    expect(report.malformed.examples[1]?.reason).to.include('15/03/2027');
    expect(await lastActivity('ada@example.org')).to.equal('2027-03-15T10:30:00.000Z');
    expect(await lastActivity('alan@example.org')).to.equal('2027-03-18T08:00:00.000Z');
    expect((await getPersonByEmail(db(), 'ada@example.org')).state).to.equal('active');
    expect(await lastActivity('grace@example.org')).to.equal(undefined);
  });

  it('takes each person’s latest course activity from the usage report', async () => {
    await holders('ada@example.org');
    const csv = [
      'Name,Email,External Id,Course,Course ID,Course Slug,University,Enrollment Time,Class Start Time,Class End Time,Last Course Activity Time,Overall Progress',
      'Ada,ada@example.org,,Course A,id1,a,Uni,2027-03-02 10:00:00,,,2027-03-05 10:00:00,0.2',
      'Ada,ada@example.org,,Course B,id2,b,Uni,2027-03-02 10:00:00,,,2027-03-12 16:45:10,0.5',
      'Ada,ada@example.org,,Course C,id3,c,Uni,2027-03-02 10:00:00,,,2027-03-08 10:00:00,0.1',
    ].join('\n');
    const report = await importActivity(db(), licensing, csv, { actor: admin });
    expect(report).to.deep.include({ rows: 3, applied: 1 });
    expect(await lastActivity('ada@example.org')).to.equal('2027-03-12T16:45:10.000Z');
  });

  it('changes nothing when the same file is imported again, and a dry run predicts the real run', async () => {
    await holders('ada@example.org', 'grace@example.org');
    const csv = `${MEMBERSHIP_HEADER}\nAda,ada@example.org,,P,p,1,0,MEMBER,,,2027-03-15 10:30:00,\nGrace,grace@example.org,,P,p,1,0,MEMBER,,,2027-03-16 10:30:00,\n`;
    const before = await snapshot(db());
    const preview = await importActivity(db(), licensing, csv, { actor: admin, dryRun: true });
    expect(await snapshot(db())).to.deep.equal(before);

    const first = await importActivity(db(), licensing, csv, { actor: admin });
    expect({ ...preview, dryRun: false }).to.deep.equal(first);
    expect(first.applied).to.equal(2);
    const afterFirst = await snapshot(db());
    const second = await importActivity(db(), licensing, csv, { actor: admin });
    expect(second).to.deep.include({ applied: 0, unchanged: 2 });
    expect(await snapshot(db())).to.deep.equal(afterFirst);
  });

  it('refuses a file without the columns it needs, changing nothing', async () => {
    await holders('ada@example.org');
    const before = await snapshot(db());
    for (const csv of ['Name,Mail,When\nAda,ada@example.org,2027-03-15', 'Name,Email\nAda,ada@example.org', '']) {
      let refused: unknown;
      await importActivity(db(), licensing, csv, { actor: admin }).catch((error: unknown) => (refused = error));
      if (csv === '') {
        expect(refused).to.equal(undefined); // an empty file: nothing to do
        continue;
      }
      expect(refused).to.be.instanceOf(DomainError);
      expect((refused as DomainError).message).to.include('needs an "Email" column');
    }
    expect(await snapshot(db())).to.deep.equal(before);
  });

  it('handles a 50,000-row report, applying each holder once', async function () {
    this.timeout(120_000);
    const emails = Array.from({ length: 20 }, (_, n) => `holder${n}@example.org`);
    await holders(...emails);
    const lines = [MEMBERSHIP_HEADER];
    for (let n = 0; n < 50_000; n += 1) {
      const email = n % 2500 < 20 ? emails[n % 2500]! : `other${n}@example.org`;
      const day = String(2 + (n % 17)).padStart(2, '0');
      lines.push(`"Person, ${n}",${email},,Program,slug,1,0,MEMBER,,,2027-03-${day} 12:00:00,`);
    }
    const started = Date.now();
    const report = await importActivity(db(), licensing, lines.join('\n'), { actor: admin });
    const seconds = (Date.now() - started) / 1000;
    console.log(`      50,000 rows in ${seconds.toFixed(1)} s`);
    expect(report).to.deep.include({ rows: 50_000, applied: 20, unchanged: 0 });
    expect(report.unmatched.count).to.equal(50_000 - 20 * 20);
    expect(await db().AuditEvent.countDocuments({ action: 'activity' })).to.equal(20);
    const again = await importActivity(db(), licensing, lines.join('\n'), { actor: admin });
    expect(again).to.deep.include({ applied: 0, unchanged: 20 });
  });

  describe('report timestamps', () => {
    for (const [raw, iso] of [
      ['2027-03-15 10:30:00', '2027-03-15T10:30:00.000Z'],
      ['2027-03-15 10:30', '2027-03-15T10:30:00.000Z'],
      ['2027-03-15', '2027-03-15T00:00:00.000Z'],
      ['2027-03-15 10:30:00 UTC', '2027-03-15T10:30:00.000Z'],
      ['2027-03-15T10:30:00+02:00', '2027-03-15T08:30:00.000Z'],
    ] as const) {
      it(`reads ${raw}`, () => expect(parseReportTime(raw)?.toISOString()).to.equal(iso));
    }
    for (const raw of ['15/03/2027', 'yesterday', '2027-02-31', '2027-13-01 10:00', '2027-03-15 24:30', '']) {
      it(`refuses ${JSON.stringify(raw)}`, () => expect(parseReportTime(raw)).to.equal(undefined));
    }
  });
});
