import { expect } from 'chai';
import { updateSettings } from '../../services/settings.js';
import { admin } from '../support/licensing.js';
import { only, useDialogs, type Reply } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';
const JULY = 'at the turnover between 1 July 2027 and 7 July 2027';

const actions = (reply: Reply) => reply.buttons.map((b) => (b.data as { action: string }).action);

describe('status dialog', () => {
  const h = useDialogs(NOW);

  async function status(email: string, state: Parameters<typeof h.learnerIn>[0], text = 'status'): Promise<Reply> {
    const learner = await h.learnerIn(state, email);
    const before = await h.snapshot();
    const reply = only(await h.chat(learner).say(text));
    expect(await h.snapshot(), 'status writes nothing').to.deep.equal(before);
    return reply;
  }

  it('none: not applied yet, with an Apply button', async () => {
    const reply = await status('ada@example.org', 'none');
    expect(reply.title).to.equal("You haven't applied yet");
    expect(reply.facts).to.deep.equal({});
    expect(actions(reply)).to.deep.equal(['apply']);
  });

  it('waiting: the place in line and an estimate', async () => {
    await h.learnerIn('waiting', 'first@example.org');
    await h.learnerIn('waiting', 'second@example.org');
    const reply = await status('ada@example.org', 'waiting', 'where am I in the queue?');
    expect(reply.title).to.equal("You're on the waitlist");
    expect(reply.facts).to.deep.equal({ 'Your place in line': '3', Expected: JULY });
    expect(actions(reply)).to.deep.equal(['pause', 'withdraw']);
  });

  it('waiting, with every seat taken and none handed back lately: the estimate waits for January, when all licenses end', async () => {
    await updateSettings(h.models(), { capacity: 1 }, { actor: admin, at: h.clock.now() });
    await h.learnerIn('active', 'holder@example.org');
    const reply = await status('ada@example.org', 'waiting');
    expect(reply.facts).to.deep.equal({ 'Your place in line': '1', Expected: 'at the turnover between 1 January 2028 and 7 January 2028' });
  });

  it('on hold: the place kept, and how to come back', async () => {
    await h.learnerIn('waiting', 'first@example.org');
    const reply = await status('ada@example.org', 'on_hold');
    expect(reply.title).to.equal('Your place is on hold');
    expect(reply.facts).to.deep.equal({ 'Your place in line': '2' });
    expect(reply.text).to.include('Say **ready**');
    expect(actions(reply)).to.deep.equal(['ready', 'withdraw']);
  });

  it('invited: license dates, the invitation address, and days until the warning', async () => {
    const reply = await status('ada@example.org', 'invited');
    expect(reply.title).to.equal('You have a Coursera license');
    expect(reply.facts).to.deep.equal({
      'Invited on': '15 June 2027',
      'Valid until': '31 December 2027',
      'Last learning seen': 'none yet',
      'Inactivity warning': "15 July 2027 (in 30 days) if you don't learn before then",
    });
    expect(reply.text).to.include('Coursera sent your invitation to **ada@example.org**');
    expect(actions(reply)).to.deep.equal(['pause', 'release', 'merge']);
  });

  it('active: the last learning seen, and the warning counted from it', async () => {
    const learner = await h.learnerIn('active', 'ada@example.org');
    h.clock.set('2027-06-25T10:00:00Z');
    const reply = only(await h.chat(learner).say('my license'));
    expect(reply.facts).to.deep.equal({
      'Invited on': '15 June 2027',
      'Valid until': '31 December 2027',
      'Last learning seen': '15 June 2027',
      'Inactivity warning': "15 July 2027 (in 20 days) if you don't learn before then",
    });
    expect(reply.text).to.include('one month without activity brings a warning, and 2 months end the license');
  });

  it('warned: the revocation date and the days left', async () => {
    const reply = await status('ada@example.org', 'warned');
    expect(reply.title).to.equal('You have a Coursera license');
    expect(reply.facts).to.deep.equal({
      'Invited on': '20 April 2027',
      'Valid until': '31 December 2027',
      'Last learning seen': 'none yet',
      // Two months from the invitation (20 June), but never sooner than 7 days after the warning.
      'Revoked on': '22 June 2027 (in 7 days) unless you learn before then',
    });
    expect(reply.text).to.include('You have had an inactivity warning');
  });

  it('paused: the right to come back, and the buttons to use it', async () => {
    const reply = await status('ada@example.org', 'paused');
    expect(reply.title).to.equal('Your license is paused');
    expect(reply.facts).to.deep.equal({});
    expect(reply.text).to.include('say **ready** when you have time to learn');
    expect(actions(reply)).to.deep.equal(['ready', 'release']);
  });

  it('paused and ready: ahead of the waitlist, with an estimate', async () => {
    await h.learnerIn('waiting', 'first@example.org');
    const reply = await status('ada@example.org', 'paused_ready');
    expect(reply.title).to.equal("You're in line to be re-invited");
    expect(reply.facts).to.deep.equal({ 'Your place in line': '1', Expected: JULY });
    expect(reply.text).to.include('invited before the waitlist');
  });

  it('paused and ready, with resumeAheadOfWaitlist off: behind the people already waiting', async () => {
    await updateSettings(h.models(), { resumeAheadOfWaitlist: false }, { actor: admin, at: h.clock.now() });
    await h.learnerIn('waiting', 'first@example.org');
    const reply = await status('ada@example.org', 'paused_ready');
    expect(reply.facts['Your place in line']).to.equal('2');
    expect(reply.text).to.include('You rejoined the line behind the people already waiting.');
  });

  for (const [state, why] of [
    ['released', 'You gave your license back.'],
    ['expired', 'Your license ended with the calendar year.'],
    ['withdrawn', 'You left the waitlist.'],
  ] as const) {
    it(`${state}: nothing held, why, and that applying again is possible`, async () => {
      const reply = await status('ada@example.org', state);
      expect(reply.title).to.equal("You don't have a license or a place in line");
      expect(reply.text).to.include(why);
      expect(reply.text).to.include('You can apply again at any time');
      expect(actions(reply)).to.deep.equal(['apply']);
    });
  }

  it('revoked: why, and the date it may apply again (1 January), with no Apply button', async () => {
    const reply = await status('ada@example.org', 'revoked');
    expect(reply.title).to.equal('Your license was revoked');
    expect(reply.text).to.include('It was revoked after 2 months without learning activity. You can apply again from 1 January 2028.');
    expect(reply.buttons).to.deep.equal([]);
  });

  it('revoked last year: may apply now', async () => {
    const learner = await h.learnerIn('revoked', 'ada@example.org');
    h.clock.set('2028-01-01T00:00:00Z');
    const reply = only(await h.chat(learner).say('status'));
    expect(reply.text).to.include('You can apply again now');
    expect(actions(reply)).to.deep.equal(['apply']);
  });

  it('the Status button on a card does the same as typing', async () => {
    const learner = await h.learnerIn('waiting', 'ada@example.org');
    expect(only(await h.chat(learner).click({ action: 'status' })).title).to.equal("You're on the waitlist");
  });

  it('an unidentified person is told so', async () => {
    expect(only(await h.chat(undefined).say('status')).title).to.equal('I could not tell who you are');
  });
});
