import { expect } from 'chai';
import { startScheduler } from '../../jobs/scheduler.js';
import { ManualClock } from '../../services/clock.js';
import { createLogger } from '../../services/log.js';
import { updateSettings } from '../../services/settings.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { jobContext, TEST_SCHEDULER } from '../support/jobs.js';
import { admin } from '../support/licensing.js';

describe('the scheduler', () => {
  const db = useTestDatabase();
  const clock = new ManualClock('2027-01-10T10:00:00Z');

  it('schedules every job from its setting in the org time zone, runs it and logs what it did', async () => {
    await clearDatabase(db());
    await updateSettings(db(), { timeZone: 'Europe/Zurich', inactivitySchedule: '30 8 * * 1-5' }, { actor: admin, at: clock.now() });
    const lines: Record<string, unknown>[] = [];
    const ctx = { ...jobContext(db(), clock), log: createLogger('info', (line) => lines.push(JSON.parse(line))) };
    const scheduler = await startScheduler(ctx, TEST_SCHEDULER);
    try {
      const jobs = await db().connection.db!.collection('agenda_jobs').find({ type: 'single' }).sort({ name: 1 }).toArray();
      expect(jobs.map((job) => [job.name, job.repeatInterval, job.repeatTimezone])).to.deep.equal([
        ['inactivity', '30 8 * * 1-5', 'Europe/Zurich'],
        ['turnover', '0 6 * * *', 'Europe/Zurich'],
        ['year-end', '5 0 * * *', 'Europe/Zurich'],
      ]);
      // The next run is at the set time of day in Zurich (UTC+1 in winter).
      const turnover = jobs.find((job) => job.name === 'turnover');
      expect((turnover?.nextRunAt as Date).toISOString()).to.match(/T05:00:00.000Z$/);

      const done = new Promise((resolve) => scheduler.agenda.once('complete:year-end', resolve));
      await scheduler.agenda.now('year-end');
      await done;
      expect(lines.find((line) => line.event === 'job.finished')).to.include({ job: 'year-end', expired: 0 });
    } finally {
      await scheduler.stop();
    }
    // Starting again (a restart) keeps one recurring entry per job.
    const again = await startScheduler(ctx, TEST_SCHEDULER);
    await again.stop();
    expect(await db().connection.db!.collection('agenda_jobs').countDocuments({ type: 'single' })).to.equal(3);
  });
});
