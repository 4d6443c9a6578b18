import { expect } from 'chai';
import { renderCard } from '../../cards/render.js';
import type { NoticeKind } from '../../models/index.js';
import { noticeCard } from '../../services/noticeCards.js';
import { DEFAULT_SETTINGS, type Settings } from '../../services/settings.js';
import { cardProblems } from '../support/adaptiveCards.js';
import { button, only, readReply, useDialogs } from '../support/dialogs.js';

const settings: Settings = { ...DEFAULT_SETTINGS, allowedEmailDomains: [], timeZone: 'Europe/Zurich', programUrl: 'https://www.coursera.org/programs/desk' };
const person = { email: 'ada@example.org' };
const now = new Date('2027-05-03T08:00:00Z');

const SAMPLES: { kind: NoticeKind; facts: Record<string, unknown>; says: string[] }[] = [
  { kind: 'invitation', facts: { licenseEndsAt: new Date('2027-12-31T22:59:59Z') }, says: ['ada@example.org', '31 December 2027', 'JOIN NOW', 'merge accounts'] },
  {
    kind: 'inactivity-warning',
    facts: { warnedAt: now, idleSince: new Date('2027-04-01T08:00:00Z'), revokeAt: new Date('2027-06-01T08:00:00Z') },
    says: ['32 days', '1 June 2027', 'Pause instead'],
  },
  { kind: 'revocation', facts: { cause: 'inactivity', barredUntil: new Date('2027-12-31T23:00:00Z') }, says: ['2 months without learning', '1 January 2028'] },
  { kind: 'revocation', facts: { cause: 'admin' }, says: ['program admins revoked it', 'apply again at any time'] },
  { kind: 'year-end', facts: { endedAt: now }, says: ['calendar year', 'Apply again'] },
];

describe('notice cards', () => {
  for (const { kind, facts, says } of SAMPLES) {
    it(`${kind} (${Object.keys(facts).join(', ')}): a valid 1.5 card that says what it must`, () => {
      const card = renderCard('message', noticeCard({ kind, facts }, person, settings, now));
      expect(cardProblems(card)).to.deep.equal([]);
      const text = JSON.stringify(card);
      for (const words of says) expect(text).to.include(words);
    });
  }

  it('links the program page, or Coursera when none is set', () => {
    const linked = (programUrl: string) => noticeCard(SAMPLES[0]!, person, { ...settings, programUrl }, now).links;
    expect(linked('https://www.coursera.org/programs/desk')).to.deep.equal([{ title: 'Open Coursera', url: 'https://www.coursera.org/programs/desk' }]);
    expect(linked('')).to.deep.equal([{ title: 'Open Coursera', url: 'https://www.coursera.org' }]);
  });

  it('reads facts that came back from the database as text', () => {
    const card = noticeCard({ kind: 'invitation', facts: { licenseEndsAt: '2027-12-31T22:59:59.000Z' } }, person, settings, now);
    expect(card.facts).to.deep.equal([{ label: 'Valid until', value: '31 December 2027' }]);
  });

  describe("the warning's pause button, clicked in Teams", () => {
    const h = useDialogs('2027-06-15T10:00:00Z');

    it('asks to confirm, then pauses the license', async () => {
      const ada = await h.learnerIn('warned', 'ada@example.org');
      const warning = readReply({
        type: 'message',
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: renderCard('message', noticeCard(SAMPLES[1]!, ada, settings, now)) }],
      });
      const chat = h.chat(ada);
      const ask = only(await chat.click(button(warning, "I'm busy — pause my license").data));
      expect(ask.title).to.equal('Pause your license?');
      const done = only(await chat.press('Yes, pause it'));
      expect(done.title).to.equal('Done: paused');
      expect((await h.person(ada)).state).to.equal('paused');
    });
  });
});
