import { expect } from 'chai';
import {
  addCalendarMonths,
  endOfLicenseYear,
  estimateInvitation,
  inactivityDeadlines,
  isInTurnoverWindow,
  monthKey,
  revocationDueAt,
  startOfNextYear,
  turnoverWindowOf,
} from '../../services/policy.js';
import { DEFAULT_SETTINGS, validateSettings, type Settings } from '../../services/settings.js';

const settings = (overrides: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...overrides });
const at = (iso: string) => new Date(iso);

describe('policy', () => {
  describe('calendar months', () => {
    it('one month after 31 January is the last day of February, leap years included', () => {
      expect(addCalendarMonths(at('2027-01-31T09:00:00Z'), 1, 'UTC').toISOString()).to.equal('2027-02-28T09:00:00.000Z');
      expect(addCalendarMonths(at('2028-01-31T09:00:00Z'), 1, 'UTC').toISOString()).to.equal('2028-02-29T09:00:00.000Z');
      expect(addCalendarMonths(at('2027-01-31T09:00:00Z'), 2, 'UTC').toISOString()).to.equal('2027-03-31T09:00:00.000Z');
    });

    it('counts months on the org calendar, not UTC', () => {
      // 31 January 00:30 in Zurich is still 30 January in UTC.
      const base = at('2027-01-30T23:30:00Z');
      expect(addCalendarMonths(base, 1, 'Europe/Zurich').toISOString()).to.equal('2027-02-27T23:30:00.000Z');
      expect(addCalendarMonths(base, 1, 'UTC').toISOString()).to.equal('2027-02-28T23:30:00.000Z');
    });

    it('keeps the wall-clock time across a daylight-saving change', () => {
      // 15 March 09:00 New York (EDT, -4) is one month after 15 February 09:00 (EST, -5).
      expect(addCalendarMonths(at('2027-02-15T14:00:00Z'), 1, 'America/New_York').toISOString()).to.equal(
        '2027-03-15T13:00:00.000Z',
      );
    });

    it('warns after warnAfterMonths and revokes after revokeAfterMonths of idleness', () => {
      const deadlines = inactivityDeadlines(at('2027-01-31T09:00:00Z'), settings());
      expect(deadlines.warnAt.toISOString()).to.equal('2027-02-28T09:00:00.000Z');
      expect(deadlines.revokeAt.toISOString()).to.equal('2027-03-31T09:00:00.000Z');
    });

    it('gives a late warning its notice period before revocation', () => {
      const base = at('2027-01-31T09:00:00Z');
      expect(revocationDueAt(base, at('2027-02-28T09:00:00Z'), settings()).toISOString()).to.equal('2027-03-31T09:00:00.000Z');
      expect(revocationDueAt(base, at('2027-03-29T12:00:00Z'), settings()).toISOString()).to.equal('2027-04-05T12:00:00.000Z');
    });
  });

  describe('the calendar year', () => {
    it('ends a license at 31 December 23:59:59.999 in the org time zone', () => {
      expect(endOfLicenseYear(at('2027-06-01T12:00:00Z'), 'America/New_York').toISOString()).to.equal('2028-01-01T04:59:59.999Z');
      // 31 December 20:00 in New York is already 1 January in UTC: still the 2027 license.
      expect(endOfLicenseYear(at('2028-01-01T01:00:00Z'), 'America/New_York').toISOString()).to.equal('2028-01-01T04:59:59.999Z');
      expect(endOfLicenseYear(at('2028-01-01T01:00:00Z'), 'UTC').toISOString()).to.equal('2028-12-31T23:59:59.999Z');
    });

    it('lifts a bar on 1 January 00:00 in the org time zone', () => {
      expect(startOfNextYear(at('2027-03-10T10:00:00Z'), 'Asia/Tokyo').toISOString()).to.equal('2027-12-31T15:00:00.000Z');
    });
  });

  describe('the turnover window', () => {
    const zurich = settings({ timeZone: 'Europe/Zurich' });

    it('is days 1 to 7 of the month in the org time zone', () => {
      expect(isInTurnoverWindow(at('2027-02-28T22:59:59Z'), zurich)).to.equal(false); // 23:59:59 on 28 Feb
      expect(isInTurnoverWindow(at('2027-02-28T23:00:00Z'), zurich)).to.equal(true); // 00:00 on 1 March
      expect(isInTurnoverWindow(at('2027-03-07T22:59:59Z'), zurich)).to.equal(true); // 23:59:59 on 7 March
      expect(isInTurnoverWindow(at('2027-03-07T23:00:00Z'), zurich)).to.equal(false); // 00:00 on 8 March
      expect(turnoverWindowOf(at('2027-02-28T23:00:00Z'), zurich).month).to.equal('2027-03');
      expect(monthKey(at('2027-02-28T23:00:00Z'), 'UTC')).to.equal('2027-02');
    });

    it('follows the window settings', () => {
      const window = turnoverWindowOf(at('2027-05-20T12:00:00Z'), settings({ turnoverFirstDay: 3, turnoverLastDay: 5 }));
      expect(window.opensAt.toISOString()).to.equal('2027-05-03T00:00:00.000Z');
      expect(window.closesAt.toISOString()).to.equal('2027-05-06T00:00:00.000Z');
    });
  });

  describe('the estimate', () => {
    const base = { settings: settings({ capacity: 10 }), freeSeats: 0, freedPerMonth: 0, turnoverDoneThisMonth: false };

    it('is this month when seats are free and this month’s turnover is still to come', () => {
      const estimate = estimateInvitation({ ...base, position: 2, freeSeats: 3, now: at('2027-04-02T10:00:00Z') });
      expect(estimate?.month).to.equal('2027-04');
    });

    it('is next month once this month’s turnover has run or its window has closed', () => {
      const done = estimateInvitation({ ...base, position: 2, freeSeats: 3, now: at('2027-04-02T10:00:00Z'), turnoverDoneThisMonth: true });
      expect(done?.month).to.equal('2027-05');
      const closed = estimateInvitation({ ...base, position: 2, freeSeats: 3, now: at('2027-04-20T10:00:00Z') });
      expect(closed?.month).to.equal('2027-05');
    });

    it('counts the seats recent months hand back, and every seat in January', () => {
      const now = at('2027-09-15T10:00:00Z');
      expect(estimateInvitation({ ...base, position: 5, freedPerMonth: 2, now })?.month).to.equal('2027-12');
      // Nothing is handed back during the year: January, when every license starts anew.
      expect(estimateInvitation({ ...base, position: 10, now })?.month).to.equal('2028-01');
      expect(estimateInvitation({ ...base, position: 11, now })?.month).to.equal('2029-01');
    });

    it('gives no estimate beyond two years', () => {
      expect(estimateInvitation({ ...base, position: 31, now: at('2027-09-15T10:00:00Z') })).to.equal(undefined);
    });
  });

  describe('settings', () => {
    it('accepts the defaults', () => {
      expect(() => validateSettings(settings())).not.to.throw();
    });

    for (const [name, value] of [
      ['capacity', -1],
      ['capacity', 1.5],
      ['capacity', 'abc'],
      ['timeZone', 'Mars/Olympus'],
      ['warnAfterMonths', 0],
      ['revokeAfterMonths', 1],
      ['turnoverLastDay', 31],
      ['resumeAheadOfWaitlist', 'yes'],
      ['allowedEmailDomains', ['Not A Domain']],
      ['programContact', 'two\nlines'],
      ['programContact', 'x'.repeat(201)],
      ['programUrl', 'http://coursera.org/programs/x'],
      ['programUrl', 'javascript:alert(1)'],
      ['turnoverSchedule', 'every day'],
      ['inactivitySchedule', '61 * * * *'],
      ['yearEndSchedule', '0 0 * * * *'],
    ] as const) {
      it(`refuses ${name} = ${JSON.stringify(value)} and names the setting`, () => {
        expect(() => validateSettings(settings({ [name]: value } as Partial<Settings>)))
          .to.throw()
          .with.property('details')
          .that.deep.includes({ setting: name });
      });
    }
  });
});
