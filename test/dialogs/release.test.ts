import { expect } from 'chai';
import type { PersonState } from '../../models/index.js';
import { admin } from '../support/licensing.js';
import { button, only, useDialogs, type Reply } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';

const answers = (reply: Reply) => reply.buttons.filter((b) => (b.data as { action?: string }).action === 'answer');

describe('release dialog (release and withdraw)', () => {
  const h = useDialogs(NOW);
  const seats = () => h.models().Seat.countDocuments();

  async function lastEvent(learner: Parameters<typeof h.events>[0]) {
    const { action, from, to, reason, actor } = (await h.events(learner)).at(-1)!;
    return { action, from, to, reason, actor };
  }

  for (const state of ['invited', 'active', 'warned'] as const) {
    it(`${state}: confirmed, the license is given back for good and the seat freed`, async () => {
      const ada = await h.learnerIn(state, 'ada@example.org');
      const chat = h.chat(ada);
      const ask = only(await chat.say("I don't need my license any more"));
      expect(ask.title).to.equal('Give your license back for good?');
      expect(ask.text).to.include('Pausing keeps your right to be re-invited');
      expect(ask.buttons.map((b) => b.title)).to.deep.equal(['Yes, give it back', 'No, keep it', 'Pause instead']);

      const done = only(await chat.click(button(ask, 'Yes, give it back').data));
      expect(done.title).to.equal('Done: license given back');
      expect(done.text).to.include('You gave your license back.');
      expect((await h.person(ada)).state).to.equal('released');
      expect(await seats()).to.equal(0);
      expect(await lastEvent(ada)).to.deep.equal({
        action: 'release',
        from: state,
        to: 'released',
        reason: 'asked in Teams',
        actor: { kind: 'person', id: 'ada@example.org' },
      });
    });
  }

  for (const typed of ['withdraw', 'take me off the waitlist', 'Please remove me from the waiting list.']) {
    it(`waiting, "${typed}": asks, then withdraws`, async () => {
      await h.learnerIn('waiting', 'first@example.org');
      const ada = await h.learnerIn('waiting', 'ada@example.org');
      const chat = h.chat(ada);
      const ask = only(await chat.say(typed));
      expect(ask.title).to.equal('Leave the waitlist?');
      expect(ask.text).to.include("You'll give up your place (number 2)");
      expect(ask.buttons.map((b) => b.title)).to.deep.equal(['Yes, leave the waitlist', 'No, stay in line', 'Hold my place instead']);

      const done = only(await chat.say('yes'));
      expect(done.title).to.equal("Done: you've left the waitlist");
      expect(done.text).to.include('You left the waitlist.');
      const person = await h.person(ada);
      expect(person.state).to.equal('withdrawn');
      expect(person.ticket).to.equal(undefined);
      expect(await lastEvent(ada)).to.include({ action: 'withdraw', from: 'waiting', to: 'withdrawn' });
    });
  }

  it('on hold: leaving the waitlist offers no "hold instead"', async () => {
    const ada = await h.learnerIn('on_hold', 'ada@example.org');
    const chat = h.chat(ada);
    const ask = only(await chat.click({ action: 'withdraw' }));
    expect(ask.title).to.equal('Leave the waitlist?');
    expect(ask.buttons.map((b) => b.title)).to.deep.equal(['Yes, leave the waitlist', 'No, stay in line']);
    await chat.press('Yes, leave the waitlist');
    expect((await h.person(ada)).state).to.equal('withdrawn');
  });

  it('"Hold my place instead" switches to the pause question', async () => {
    const ada = await h.learnerIn('waiting', 'ada@example.org');
    const chat = h.chat(ada);
    await chat.say('withdraw');
    const ask = only(await chat.press('Hold my place instead'));
    expect(ask.title).to.equal('Put your place on hold?');
    await chat.say('yes');
    expect((await h.person(ada)).state).to.equal('on_hold');
  });

  for (const state of ['paused', 'paused_ready'] as const) {
    it(`${state}: the right to be re-invited is given up`, async () => {
      const ada = await h.learnerIn(state, 'ada@example.org');
      const chat = h.chat(ada);
      const ask = only(await chat.say('release'));
      expect(ask.title).to.equal('Give up your paused license for good?');
      expect(ask.text).to.include("You'll lose the right to be invited again after your pause.");
      expect(ask.buttons.map((b) => b.title)).to.deep.equal(['Yes, give it back', 'No, keep it']);
      expect(only(await chat.press('Yes, give it back')).title).to.equal('Done: license given back');
      expect((await h.person(ada)).state).to.equal('released');
      expect(await lastEvent(ada)).to.include({ action: 'release', from: state, to: 'released' });
    });
  }

  for (const state of ['none', 'withdrawn', 'released', 'expired', 'revoked'] as PersonState[]) {
    it(`${state}: nothing to give up, no question, nothing written`, async () => {
      const ada = await h.learnerIn(state, 'ada@example.org');
      const before = await h.snapshot();
      const reply = only(await h.chat(ada).say(state === 'none' ? 'release' : 'withdraw'));
      expect(reply.title).to.equal('You have no license or place in line to give up');
      expect(answers(reply)).to.deep.equal([]);
      expect(await h.snapshot()).to.deep.equal(before);
    });
  }

  for (const how of ['button', 'no', 'keep it']) {
    it(`declined by ${how === 'button' ? 'the button' : `typing "${how}"`}: nothing changes`, async () => {
      const ada = await h.learnerIn('active', 'ada@example.org');
      const chat = h.chat(ada);
      await chat.say('release');
      const before = await h.snapshot();
      const reply = only(how === 'button' ? await chat.press('No, keep it') : await chat.say(how));
      expect(reply.title).to.equal('Nothing changed');
      expect(await h.snapshot()).to.deep.equal(before);
    });
  }

  it('a confirmation clicked twice releases once; the second click is harmless', async () => {
    const ada = await h.learnerIn('active', 'ada@example.org');
    const chat = h.chat(ada);
    const confirm = button(only(await chat.say('release')), 'Yes, give it back').data;
    expect(only(await chat.click(confirm)).title).to.equal('Done: license given back');
    const before = await h.snapshot();
    const again = only(await chat.click(confirm));
    expect(again.title).to.equal('That question is closed');
    expect(again.text).to.include('Nothing changed.');
    expect(await h.snapshot()).to.deep.equal(before);
    expect((await h.events(ada)).filter((event) => event.action === 'release')).to.have.length(1);
  });

  it('a confirmation that arrives after an admin revoked the license changes nothing more', async () => {
    const ada = await h.learnerIn('active', 'ada@example.org');
    const chat = h.chat(ada);
    await chat.say('release');
    await h.licensing.adminRevoke(ada.personId, admin, 'test');
    const before = await h.snapshot();
    const reply = only(await chat.say('yes'));
    expect(reply.title).to.equal('Nothing to change any more');
    expect(reply.text).to.include('You can apply again from 1 January 2028');
    expect(await h.snapshot()).to.deep.equal(before);
  });

  it('"cancel" at the question stops and writes nothing', async () => {
    const ada = await h.learnerIn('active', 'ada@example.org');
    const chat = h.chat(ada);
    await chat.say('release');
    const before = await h.snapshot();
    expect(only(await chat.say('never mind')).text).to.equal('OK, I stopped there. Nothing was changed.');
    expect(only(await chat.press('Yes, give it back')).title).to.equal('That question is closed');
    expect(await h.snapshot()).to.deep.equal(before);
  });

  it('an unidentified person is told so', async () => {
    expect(only(await h.chat(undefined).say('withdraw')).title).to.equal('I could not tell who you are');
  });
});
