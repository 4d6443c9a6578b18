import { expect } from 'chai';
import { Types } from 'mongoose';
import { PERSON_STATES, type Person, type PersonState } from '../../models/index.js';
import { personSubject } from '../../services/audit.js';
import { Licensing, MOVES, NO_CHANGE, type Action } from '../../services/licensing.js';
import { getPerson, getPersonByEmail } from '../../services/people.js';
import { SEAT_HOLDER_STATES } from '../../services/policy.js';
import { updateSettings } from '../../services/settings.js';
import { ManualClock } from '../../services/clock.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { admin, bringTo, operations, refusal, self, snapshot, system } from '../support/licensing.js';

const NOW = '2027-06-15T10:00:00Z';

describe('licensing', () => {
  const db = useTestDatabase();
  const clock = new ManualClock(NOW);
  let licensing: Licensing;
  let counter = 0;
  const fresh = (state: PersonState) =>
    bringTo(state, `${state.replace('_', '-')}-${(counter += 1)}@example.org`, {
      models: db(),
      licensing,
      clock,
      now: NOW,
    });

  beforeEach(async () => {
    await clearDatabase(db());
    clock.set(NOW);
    licensing = new Licensing(db(), clock);
  });

  describe('every action from every state', () => {
    const ACTIONS = Object.keys(MOVES) as Action[];
    // The fixture's revocation happened this year, so re-applying meets the bar.
    const barred = (action: Action, from: PersonState) => action === 'apply' && from === 'revoked';

    // Actions that depend on time run when they would be due for the fixtures' holders.
    const DUE: Partial<Record<Action, string>> = {
      activity: '2027-06-15T11:00:00Z',
      warn: '2027-08-01T10:00:00Z',
      revoke: '2027-08-01T10:00:00Z',
      expire: '2028-01-01T00:00:01Z',
    };

    for (const action of ACTIONS) {
      for (const from of PERSON_STATES) {
        const already = NO_CHANGE[action]?.includes(from) ?? false;
        const moves = !already && MOVES[action][from] !== undefined && !barred(action, from);
        const title = moves
          ? `${action} from ${from} moves to ${MOVES[action][from]}`
          : `${action} from ${from} is ${already ? 'a no-op' : 'refused'} and writes nothing`;
        it(title, async () => {
          const person = await fresh(from);
          if (DUE[action]) clock.set(DUE[action]);
          const run = operations(licensing, clock)[action];
          if (moves) {
            const outcome = await run(person);
            expect(outcome.changed).to.equal(true);
            expect(outcome.person).to.deep.equal(await getPerson(db(), person._id));
            return;
          }
          const before = await snapshot(db());
          if (already) {
            expect((await run(person)).changed).to.equal(false);
          } else {
            const error = await refusal(run(person));
            if (barred(action, from)) {
              expect(error.code).to.equal('barred');
            } else {
              expect(error.code).to.equal('wrong-state');
              expect(error.message).to.include(person.email);
            }
          }
          expect(await snapshot(db())).to.deep.equal(before);
        });
      }
    }
  });

  describe('each row of the state table', () => {
    async function expectMove(person: Person, action: Action, to: PersonState, run?: () => Promise<unknown>) {
      await (run ? run() : operations(licensing, clock)[action](person));
      const after = await getPerson(db(), person._id);
      expect(after.state, `${action} from ${person.state}`).to.equal(to);
      const last = await db().AuditEvent.findOne({ subject: personSubject(person._id) }).sort({ seq: -1 }).lean();
      expect(last).to.include({ action, from: person.state, to, seq: after.version });
      expect(last?.at.toISOString()).to.equal(clock.now().toISOString());
      return after;
    }

    it('apply puts newcomers and those who left at the back of the queue', async () => {
      for (const from of ['none', 'withdrawn', 'released', 'expired'] as const) {
        const after = await expectMove(await fresh(from), 'apply', 'waiting');
        expect(after.ticket).to.be.a('number');
        expect(after.appliedAt?.toISOString()).to.equal(clock.now().toISOString());
      }
    });

    it('pause while waiting keeps the place; ready returns to it', async () => {
      const first = await fresh('waiting');
      const second = await fresh('waiting');
      const held = await expectMove(first, 'pause', 'on_hold');
      expect(held.ticket).to.equal(first.ticket);
      expect((await licensing.standing(held)).position).to.equal(1);
      const back = await expectMove(held, 'ready', 'waiting');
      expect(back.ticket).to.equal(first.ticket);
      expect((await licensing.standing(back)).position).to.equal(1);
      expect((await licensing.standing(await getPerson(db(), second._id))).position).to.equal(2);
    });

    it('withdraw takes someone off the waitlist, waiting or on hold', async () => {
      await expectMove(await fresh('waiting'), 'withdraw', 'withdrawn');
      await expectMove(await fresh('on_hold'), 'withdraw', 'withdrawn');
    });

    it('turnover invites from the waitlist and from paused learners who are ready', async () => {
      const invited = await expectMove(await fresh('waiting'), 'invite', 'invited');
      expect(invited.invitedAt?.toISOString()).to.equal(new Date(NOW).toISOString());
      expect(invited.licenseEndsAt?.toISOString()).to.equal('2027-12-31T23:59:59.999Z');
      expect(invited.ticket).to.equal(undefined);
      expect(await db().Seat.countDocuments({ personId: invited._id })).to.equal(1);
      await expectMove(await fresh('paused_ready'), 'invite', 'invited');
    });

    it('learning activity makes invited and warned learners active', async () => {
      const active = await expectMove(await fresh('invited'), 'activity', 'active');
      expect(active.lastActivityAt?.toISOString()).to.equal(new Date(NOW).toISOString());
      const revived = await expectMove(await fresh('warned'), 'activity', 'active');
      expect(revived.warnedAt).to.equal(undefined);
    });

    it('one idle month warns invited and active learners', async () => {
      const invited = await fresh('invited');
      const active = await fresh('active');
      clock.set('2027-07-15T10:00:00Z');
      const warned = await expectMove(invited, 'warn', 'warned');
      expect(warned.warnedAt?.toISOString()).to.equal('2027-07-15T10:00:00.000Z');
      await expectMove(active, 'warn', 'warned');
    });

    it('two idle months revoke a warned learner and bar them until 1 January', async () => {
      const warned = await fresh('warned'); // invited 20 April, warned 15 June
      clock.set('2027-06-22T10:00:00Z'); // two months from 20 April, and a week after the warning
      const revoked = await expectMove(warned, 'revoke', 'revoked');
      expect(revoked.barredUntil?.toISOString()).to.equal('2028-01-01T00:00:00.000Z');
      expect(await db().Seat.countDocuments({ personId: warned._id })).to.equal(0);
    });

    it('pause hands a holder’s seat back and keeps the right to be re-invited', async () => {
      for (const from of SEAT_HOLDER_STATES) {
        const paused = await expectMove(await fresh(from), 'pause', 'paused');
        expect(await db().Seat.countDocuments({ personId: paused._id })).to.equal(0);
        expect(paused.invitedAt).to.equal(undefined);
      }
    });

    it('ready after a pause puts the learner in line to be re-invited', async () => {
      const ready = await expectMove(await fresh('paused'), 'ready', 'paused_ready');
      expect(ready.readyAt?.toISOString()).to.equal(new Date(NOW).toISOString());
      expect(ready.ticket).to.be.a('number');
    });

    it('release gives a license (or the right to one) back for good', async () => {
      for (const from of [...SEAT_HOLDER_STATES, 'paused', 'paused_ready'] as const) {
        const released = await expectMove(await fresh(from), 'release', 'released');
        expect(await db().Seat.countDocuments({ personId: released._id })).to.equal(0);
      }
    });

    it('31 December ends every license', async () => {
      for (const from of SEAT_HOLDER_STATES) {
        const holder = await fresh(from);
        clock.set('2028-01-01T00:00:00Z');
        await expectMove(holder, 'expire', 'expired');
        clock.set(NOW);
      }
    });

    it('admins can invite anyone without a license, with a reason, bar or no bar', async () => {
      for (const from of ['none', 'waiting', 'on_hold', 'withdrawn', 'released', 'expired', 'paused', 'paused_ready', 'revoked'] as const) {
        const person = await fresh(from);
        await expectMove(person, 'admin-invite', 'invited', () => licensing.adminInvite(person.email, admin, 'manager asked'));
      }
      const event = await db().AuditEvent.findOne({ action: 'admin-invite' }).lean();
      expect(event?.actor).to.deep.equal(admin);
      expect(event?.reason).to.equal('manager asked');
    });

    it('admins can revoke and restore', async () => {
      const holder = await fresh('active');
      const revoked = await expectMove(holder, 'admin-revoke', 'revoked', () => licensing.adminRevoke(holder._id, admin, 'left the organisation'));
      expect(revoked.barredUntil?.toISOString()).to.equal('2028-01-01T00:00:00.000Z');
      const restored = await expectMove(revoked, 'admin-restore', 'invited', () => licensing.adminRestore(holder._id, admin, 'came back'));
      expect(restored.barredUntil).to.equal(undefined);
      expect(await db().Seat.countDocuments({ personId: holder._id })).to.equal(1);
    });

    it('refuses admin actions without a reason, writing nothing', async () => {
      const holder = await fresh('active');
      const before = await snapshot(db());
      expect((await refusal(licensing.adminRevoke(holder._id, admin, '  '))).code).to.equal('invalid-input');
      expect((await refusal(licensing.adminInvite('new@example.org', admin, ''))).code).to.equal('invalid-input');
      expect(await snapshot(db())).to.deep.equal(before);
    });
  });

  describe('asking twice', () => {
    it('applying again returns the same place and writes nothing', async () => {
      await fresh('waiting');
      const person = await fresh('waiting');
      const before = await snapshot(db());
      const again = await licensing.apply({ email: `  ${person.email.toUpperCase()} ` }, self(person));
      expect(again.changed).to.equal(false);
      expect(again.person.ticket).to.equal(person.ticket);
      expect((await licensing.standing(again.person)).position).to.equal(2);
      expect(await snapshot(db())).to.deep.equal(before);
    });

    it('pause, ready, withdraw and release repeated are harmless', async () => {
      for (const [state, action] of [
        ['on_hold', 'pause'],
        ['paused', 'pause'],
        ['waiting', 'ready'],
        ['paused_ready', 'ready'],
        ['withdrawn', 'withdraw'],
        ['released', 'release'],
      ] as const) {
        const person = await fresh(state);
        const before = await snapshot(db());
        const outcome = await operations(licensing, clock)[action](person);
        expect(outcome.changed, `${action} while ${state}`).to.equal(false);
        expect(await snapshot(db())).to.deep.equal(before);
      }
    });
  });

  describe('policy boundaries on the database', () => {
    async function invitedAt(iso: string, timeZone = 'UTC') {
      await updateSettings(db(), { timeZone }, { actor: admin, at: clock.now() });
      clock.set(iso);
      const person = await licensing.apply({ email: `learner-${(counter += 1)}@example.org` }, system);
      await licensing.invite(person.person._id, system);
      return person.person._id;
    }

    it('warns at exactly one calendar month: 31 January → 28 February', async () => {
      const id = await invitedAt('2027-01-31T09:00:00Z');
      clock.set('2027-02-28T08:59:59.999Z');
      expect((await licensing.warnForInactivity(id, system)).changed).to.equal(false);
      clock.set('2027-02-28T09:00:00Z');
      expect((await licensing.warnForInactivity(id, system)).person.state).to.equal('warned');
    });

    it('warns on 29 February in a leap year', async () => {
      const id = await invitedAt('2028-01-31T09:00:00Z');
      clock.set('2028-02-28T09:00:00Z');
      expect((await licensing.warnForInactivity(id, system)).changed).to.equal(false);
      clock.set('2028-02-29T09:00:00Z');
      expect((await licensing.warnForInactivity(id, system)).person.state).to.equal('warned');
    });

    it('revokes at exactly two calendar months', async () => {
      const id = await invitedAt('2027-01-31T09:00:00Z');
      clock.set('2027-02-28T09:00:00Z');
      await licensing.warnForInactivity(id, system);
      clock.set('2027-03-31T08:59:59.999Z');
      expect((await licensing.revokeForInactivity(id, system)).changed).to.equal(false);
      clock.set('2027-03-31T09:00:00Z');
      expect((await licensing.revokeForInactivity(id, system)).person.state).to.equal('revoked');
    });

    it('activity on the boundary instant restarts the count', async () => {
      const id = await invitedAt('2027-01-31T09:00:00Z');
      clock.set('2027-02-28T09:00:00Z');
      await licensing.recordActivity(id, clock.now(), system);
      expect((await licensing.warnForInactivity(id, system)).changed).to.equal(false);
      clock.set('2027-03-28T08:59:59Z');
      expect((await licensing.warnForInactivity(id, system)).changed).to.equal(false);
      clock.set('2027-03-28T09:00:00Z');
      expect((await licensing.warnForInactivity(id, system)).person.state).to.equal('warned');
    });

    it('a late activity report that still leaves a month idle keeps the warning', async () => {
      const id = await invitedAt('2027-01-10T09:00:00Z');
      clock.set('2027-03-01T09:00:00Z');
      await licensing.warnForInactivity(id, system);
      const late = await licensing.recordActivity(id, new Date('2027-01-20T09:00:00Z'), system);
      expect(late.person.state).to.equal('warned');
      expect(late.person.lastActivityAt?.toISOString()).to.equal('2027-01-20T09:00:00.000Z');
      const recent = await licensing.recordActivity(id, new Date('2027-02-20T09:00:00Z'), system);
      expect(recent.person.state).to.equal('active');
    });

    it('ends a license at 31 December 23:59 in the org time zone, not UTC', async () => {
      const id = await invitedAt('2027-06-01T12:00:00Z', 'America/New_York');
      clock.set('2028-01-01T04:59:00Z'); // 31 December 23:59 in New York
      expect((await licensing.expireLicense(id, system)).changed).to.equal(false);
      clock.set('2028-01-01T05:00:00Z'); // 1 January 00:00 in New York
      expect((await licensing.expireLicense(id, system)).person.state).to.equal('expired');
    });

    it('a learner revoked in March may not apply again until 1 January, org time', async () => {
      const id = await invitedAt('2027-01-05T09:00:00Z', 'Europe/Zurich');
      clock.set('2027-02-06T09:00:00Z');
      await licensing.warnForInactivity(id, system);
      clock.set('2027-03-10T09:00:00Z');
      const revoked = (await licensing.revokeForInactivity(id, system)).person;
      expect(revoked.state).to.equal('revoked');

      for (const at of ['2027-03-11T09:00:00Z', '2027-12-31T22:59:59Z']) {
        clock.set(at); // the last is 23:59:59 on 31 December in Zurich
        const error = await refusal(licensing.apply({ email: revoked.email }, self(revoked)));
        expect(error.code).to.equal('barred');
        expect(error.message).to.include('1 January 2028');
        expect((await refusal(licensing.invite(id, system))).code).to.equal('wrong-state');
      }
      clock.set('2027-12-31T23:00:00Z'); // midnight in Zurich
      expect((await licensing.apply({ email: revoked.email }, self(revoked))).person.state).to.equal('waiting');
    });
  });

  describe('the queue and the estimate', () => {
    it('ready paused learners go ahead of the waitlist, or take their turn when the setting says so', async () => {
      const waiting = await fresh('waiting');
      const resuming = await fresh('paused_ready');
      const later = await fresh('waiting');
      const position = async (p: Person) => (await licensing.standing(await getPerson(db(), p._id))).position;
      expect([await position(resuming), await position(waiting), await position(later)]).to.deep.equal([1, 2, 3]);

      await updateSettings(db(), { resumeAheadOfWaitlist: false }, { actor: admin, at: clock.now() });
      expect([await position(waiting), await position(resuming), await position(later)]).to.deep.equal([1, 2, 3]);
    });

    it('estimates from the seats free now and from January', async () => {
      await updateSettings(db(), { capacity: 2 }, { actor: admin, at: clock.now() });
      await fresh('invited');
      const first = await fresh('waiting');
      const second = await fresh('waiting');
      const third = await fresh('waiting');
      const estimate = async (p: Person) => (await licensing.standing(p)).estimate?.month;
      // 15 June: this month's window is over, one seat is free, nobody hands seats back.
      expect(await estimate(first)).to.equal('2027-07');
      expect(await estimate(second)).to.equal('2028-01');
      expect(await estimate(third)).to.equal('2028-01');
    });

    it('reports license dates and deadlines to a holder', async () => {
      const holder = await fresh('active');
      const standing = await licensing.standing(holder);
      expect(standing.license?.endsAt.toISOString()).to.equal('2027-12-31T23:59:59.999Z');
      expect(standing.license?.warnAt.toISOString()).to.equal('2027-07-15T10:00:00.000Z');
      expect(standing.license?.revokeAt.toISOString()).to.equal('2027-08-15T10:00:00.000Z');
    });
  });

  describe('bad input', () => {
    for (const email of ['', '   ', 'no-at-sign', 'a@b', 'two words@example.org', 'a@@example.org', 'a@exa..mple.org', `${'x'.repeat(65)}@example.org`, 42, null]) {
      it(`refuses ${JSON.stringify(email)} as an address and writes nothing`, async () => {
        const before = await snapshot(db());
        const error = await refusal(licensing.apply({ email }, system));
        expect(error.code).to.equal('invalid-input');
        expect(await snapshot(db())).to.deep.equal(before);
      });
    }

    it('refuses addresses outside the allowed domains', async () => {
      await updateSettings(db(), { allowedEmailDomains: ['example.org'] }, { actor: admin, at: clock.now() });
      const before = await snapshot(db());
      expect((await refusal(licensing.apply({ email: 'someone@elsewhere.com' }, system))).message).to.include('example.org');
      expect(await snapshot(db())).to.deep.equal(before);
      expect((await licensing.apply({ email: 'Someone@Example.org' }, system)).person.email).to.equal('someone@example.org');
    });

    it('refuses unknown people', async () => {
      const before = await snapshot(db());
      expect((await refusal(licensing.pause(new Types.ObjectId(), system))).code).to.equal('not-found');
      expect((await refusal(getPersonByEmail(db(), 'nobody@example.org'))).code).to.equal('not-found');
      expect(await snapshot(db())).to.deep.equal(before);
    });

    it('refuses a negative, fractional or non-numeric capacity and unknown settings', async () => {
      const before = await snapshot(db());
      for (const patch of [{ capacity: -1 }, { capacity: 2.5 }, { capacity: 'abc' }, { seats: 4 }]) {
        const error = await refusal(updateSettings(db(), patch as never, { actor: admin, at: clock.now() }));
        expect(error.code).to.equal('invalid-input');
      }
      expect(await snapshot(db())).to.deep.equal(before);
    });

    it('refuses activity dated in the future', async () => {
      const holder = await fresh('invited');
      const error = await refusal(licensing.recordActivity(holder._id, new Date('2027-06-20T00:00:00Z'), system));
      expect(error.code).to.equal('invalid-input');
    });

    it('lowering capacity below the holders revokes nobody and invites nobody until they fall below it', async () => {
      const holders = [await fresh('active'), await fresh('active'), await fresh('active')];
      const waiting = await fresh('waiting');
      await updateSettings(db(), { capacity: 2 }, { actor: admin, at: clock.now() });
      expect(await db().Person.countDocuments({ state: 'active' })).to.equal(3);
      expect((await refusal(licensing.invite(waiting._id, system))).code).to.equal('no-seat');
      await licensing.release(holders[0]!._id, self(holders[0]!));
      expect((await refusal(licensing.invite(waiting._id, system))).code).to.equal('no-seat');
      await licensing.release(holders[1]!._id, self(holders[1]!));
      expect((await licensing.invite(waiting._id, system)).person.state).to.equal('invited');
      expect(await db().Seat.countDocuments()).to.equal(2);
    });

    it('refuses to invite when every seat is taken, holding no seat', async () => {
      await updateSettings(db(), { capacity: 1 }, { actor: admin, at: clock.now() });
      await fresh('invited');
      const waiting = await fresh('waiting');
      const before = await snapshot(db());
      expect((await refusal(licensing.invite(waiting._id, system))).code).to.equal('no-seat');
      expect(await snapshot(db())).to.deep.equal(before);
    });
  });
});
