// The admin CLI as a person runs it: a real process, its output and its exit code.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { openDatabase, type Models } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { Licensing } from '../../services/licensing.js';
import { getPersonByEmail } from '../../services/people.js';
import { testDatabaseUri } from '../support/database.js';
import { system } from '../support/licensing.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the admin CLI', () => {
  let models: Models;
  let databaseUri: string;
  let scratch: string;

  const admin = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'tools/admin/main.ts', ...args],
        { env: { ...process.env, MONGODB_URI: databaseUri, LOG_LEVEL: 'error' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    const name = `cli_${new Types.ObjectId().toHexString()}`;
    databaseUri = `${testDatabaseUri().replace(/\/$/, '')}/${name}`;
    models = await openDatabase(testDatabaseUri(), name);
    scratch = await mkdtemp(join(tmpdir(), 'license-desk-cli-'));
    const clock = new ManualClock('2027-01-20T10:00:00Z');
    const licensing = new Licensing(models, clock);
    for (const email of ['first@example.org', 'second@example.org']) await licensing.apply({ email }, system);
  });
  after(async () => {
    await models.connection.dropDatabase();
    await models.connection.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('refuses a date that does not parse, with exit code 2', async () => {
    const run = await admin('turnover', '--dry-run', '--as-of', '2027-02-31');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('--as-of "2027-02-31" is not a date');
  });

  it('refuses unknown commands and options, with exit code 2 and the usage', async () => {
    for (const args of [['frobnicate'], ['turnover', '--now'], ['import'], ['inactivity', 'tomorrow']]) {
      const run = await admin(...args);
      expect(run.code, args.join(' ')).to.equal(2);
      expect(run.stderr).to.include('Usage: npm run admin');
    }
  });

  it('previews a turnover as of a date, then runs it', async () => {
    const preview = await admin('turnover', '--dry-run', '--as-of', '2027-02-01', '--json');
    expect(preview.code, preview.stderr).to.equal(0);
    const report = JSON.parse(preview.stdout);
    expect(report).to.include({ job: 'turnover', dryRun: true, outcome: 'done', month: '2027-02', freeSeats: 300 });
    expect(report.invited.map((i: { email: string }) => i.email)).to.deep.equal(['first@example.org', 'second@example.org']);
    expect((await getPersonByEmail(models, 'first@example.org')).state).to.equal('waiting');

    const unconfirmed = await admin('turnover', '--as-of', '2027-02-01T06:00');
    expect(unconfirmed.code).to.equal(3);
    expect(unconfirmed.stdout).to.include('Would invite (2): first@example.org, second@example.org');
    expect(unconfirmed.stderr).to.include('run it again with --yes');
    expect((await getPersonByEmail(models, 'first@example.org')).state).to.equal('waiting');

    const real = await admin('turnover', '--yes', '--as-of', '2027-02-01T06:00');
    expect(real.code, real.stderr).to.equal(0);
    expect(real.stdout).to.include('Invited (2): first@example.org, second@example.org');
    expect((await getPersonByEmail(models, 'first@example.org')).state).to.equal('invited');
  });

  it('imports an activity report', async () => {
    const file = join(scratch, 'report.csv');
    await writeFile(file, 'Email,Latest Program Activity Date\nfirst@example.org,2027-02-03 10:00:00\nghost@example.org,2027-02-03 10:00:00\n');
    const run = await admin('import', file, '--yes', '--as-of', '2027-02-10');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Activity recorded for 1 license holders');
    expect(run.stdout).to.include('addresses nobody here has: 1 (e.g. ghost@example.org)');
    expect((await getPersonByEmail(models, 'first@example.org')).lastActivityAt?.toISOString()).to.equal('2027-02-03T10:00:00.000Z');
  });

  it('runs a what-if scenario and refuses a broken one', async () => {
    const file = join(scratch, 'scenario.json');
    await writeFile(file, JSON.stringify({ settings: { capacity: 1 }, from: '2027-03-28', until: '2027-04-03', events: [{ at: '2027-03-29', apply: 'x@example.org' }] }));
    const run = await admin('simulate', file, '--json');
    expect(run.code, run.stderr).to.equal(0);
    const { months } = JSON.parse(run.stdout);
    expect(months.map((m: { month: string; invited: string[] }) => [m.month, m.invited])).to.deep.equal([
      ['2027-03', []],
      ['2027-04', ['x@example.org']],
    ]);

    await writeFile(file, JSON.stringify({ events: [{ at: 'soon', apply: 'x@example.org' }] }));
    const broken = await admin('simulate', file);
    expect(broken.code).to.equal(1);
    expect(broken.stderr).to.include('events[0].at must be a date');
  });
});
