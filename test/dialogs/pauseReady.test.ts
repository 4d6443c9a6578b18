import { expect } from 'chai';
import type { PersonState } from '../../models/index.js';
import { updateSettings } from '../../services/settings.js';
import { admin } from '../support/licensing.js';
import { button, only, useDialogs, type Reply } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';
const JULY = 'at the turnover between 1 July 2027 and 7 July 2027';

const answers = (reply: Reply) => reply.buttons.filter((b) => (b.data as { action?: string }).action === 'answer');

describe('pause and ready dialogs', () => {
  const h = useDialogs(NOW);
  const seats = () => h.models().Seat.countDocuments();

  async function lastEvent(learner: Parameters<typeof h.events>[0]) {
    const { action, from, to, reason, actor } = (await h.events(learner)).at(-1)!;
    return { action, from, to, reason, actor };
  }

  describe('pause', () => {
    for (const state of ['invited', 'active', 'warned'] as const) {
      it(`${state}: confirmed by the button, the license is paused and the seat freed`, async () => {
        const ada = await h.learnerIn(state, 'ada@example.org');
        expect(await seats()).to.equal(1);
        const chat = h.chat(ada);
        const ask = only(await chat.say("I'm too busy"));
        expect(ask.title).to.equal('Pause your license?');
        expect(ask.text).to.include("you'll be invited again before the people on the waitlist");
        expect(answers(ask).map((b) => b.title)).to.deep.equal(['Yes, pause it', 'No, keep my license']);

        const done = only(await chat.click(button(ask, 'Yes, pause it').data));
        expect(done.title).to.equal('Done: paused');
        expect(done.text).to.include('Someone else is using the seat for now');
        expect((await h.person(ada)).state).to.equal('paused');
        expect(await seats()).to.equal(0);
        expect(await lastEvent(ada)).to.deep.equal({
          action: 'pause',
          from: state,
          to: 'paused',
          reason: 'asked in Teams',
          actor: { kind: 'person', id: 'ada@example.org' },
        });
      });
    }

    it('confirmed by typing "yes"', async () => {
      const ada = await h.learnerIn('active', 'ada@example.org');
      const chat = h.chat(ada);
      await chat.say('pause');
      expect(only(await chat.say('yes')).title).to.equal('Done: paused');
      expect((await h.person(ada)).state).to.equal('paused');
    });

    it('says a paused holder rejoins at the back when resumeAheadOfWaitlist is off', async () => {
      await updateSettings(h.models(), { resumeAheadOfWaitlist: false }, { actor: admin, at: h.clock.now() });
      const ask = only(await h.chat(await h.learnerIn('active', 'ada@example.org')).say('pause'));
      expect(ask.text).to.include("you'll rejoin the line at the back");
    });

    it('waiting: on hold, keeping the same place in line', async () => {
      await h.learnerIn('waiting', 'first@example.org');
      await h.learnerIn('waiting', 'second@example.org');
      const ada = await h.learnerIn('waiting', 'ada@example.org');
      await h.learnerIn('waiting', 'after@example.org');
      const chat = h.chat(ada);
      expect(only(await chat.say('status')).facts['Your place in line']).to.equal('3');

      const ask = only(await chat.say('not now, keep my place'));
      expect(ask.title).to.equal('Put your place on hold?');
      const done = only(await chat.click(button(ask, 'Yes, hold my place').data));
      expect(done.title).to.equal('Done: paused');
      expect(done.facts).to.deep.equal({ 'Your place in line': '3' });
      const person = await h.person(ada);
      expect(person.state).to.equal('on_hold');
      expect(await lastEvent(ada)).to.include({ action: 'pause', from: 'waiting', to: 'on_hold' });
      expect(only(await chat.say('status')).facts['Your place in line']).to.equal('3');
    });

    it('paused and ready: "not yet after all" goes back to paused', async () => {
      const ada = await h.learnerIn('paused_ready', 'ada@example.org');
      const chat = h.chat(ada);
      const ask = only(await chat.say('pause'));
      expect(ask.title).to.equal('Not ready after all?');
      expect(only(await chat.click(button(ask, 'Yes, not yet').data)).title).to.equal('Done: paused');
      expect((await h.person(ada)).state).to.equal('paused');
    });

    for (const how of ['button', 'no', 'keep it']) {
      it(`declined by ${how === 'button' ? 'the button' : `typing "${how}"`}: nothing changes`, async () => {
        const ada = await h.learnerIn('active', 'ada@example.org');
        const chat = h.chat(ada);
        const ask = only(await chat.say('pause my license'));
        const before = await h.snapshot();
        const reply = only(how === 'button' ? await chat.click(button(ask, 'No, keep my license').data) : await chat.say(how));
        expect(reply.title).to.equal('Nothing changed');
        expect(await h.snapshot()).to.deep.equal(before);
        expect((await h.person(ada)).state).to.equal('active');
      });
    }

    it('nothing to pause (not applied): said, no question, nothing written', async () => {
      const ada = await h.learner('ada@example.org');
      const before = await h.snapshot();
      const reply = only(await h.chat(ada).say('pause'));
      expect(reply.title).to.equal('There is nothing to pause');
      expect(answers(reply)).to.deep.equal([]);
      expect(await h.snapshot()).to.deep.equal(before);
    });

    for (const state of ['paused', 'on_hold', 'released', 'revoked'] as PersonState[]) {
      const headline = state === 'paused' || state === 'on_hold' ? "You're already paused" : 'There is nothing to pause';
      it(`${state}: "${headline}", nothing written`, async () => {
        const ada = await h.learnerIn(state, 'ada@example.org');
        const before = await h.snapshot();
        const reply = only(await h.chat(ada).say('pause'));
        expect(reply.title).to.equal(headline);
        expect(answers(reply)).to.deep.equal([]);
        expect(await h.snapshot()).to.deep.equal(before);
      });
    }

    it('a confirmation clicked twice pauses once; the second click is harmless', async () => {
      const ada = await h.learnerIn('active', 'ada@example.org');
      const chat = h.chat(ada);
      const confirm = button(only(await chat.say('pause')), 'Yes, pause it').data;
      await chat.click(confirm);
      const before = await h.snapshot();
      expect(only(await chat.click(confirm)).title).to.equal('That question is closed');
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('a confirmation that arrives after the state moved on does what fits now', async () => {
      const ada = await h.learnerIn('active', 'ada@example.org');
      const chat = h.chat(ada);
      await chat.say('pause');
      await h.licensing.pause(ada.personId, { kind: 'person', id: ada.email });
      const reply = only(await chat.say('yes'));
      expect(reply.title).to.equal("You're already paused");
      expect((await h.events(ada)).filter((event) => event.action === 'pause')).to.have.length(1);
    });

    it('an unidentified person is told so and nothing is asked', async () => {
      const reply = only(await h.chat(undefined).say('pause'));
      expect(reply.title).to.equal('I could not tell who you are');
    });
  });

  describe('ready', () => {
    it('paused: in line to be re-invited, with the place and when to expect it', async () => {
      await h.learnerIn('waiting', 'first@example.org');
      const ada = await h.learnerIn('paused', 'ada@example.org');
      const reply = only(await h.chat(ada).say("I'm ready again"));
      expect(reply.title).to.equal("You're in line to be re-invited");
      expect(reply.facts).to.deep.equal({ 'Your place in line': '1', Expected: JULY });
      const person = await h.person(ada);
      expect(person.state).to.equal('paused_ready');
      expect(person.readyAt?.toISOString()).to.equal('2027-06-15T10:00:00.000Z');
      expect(await lastEvent(ada)).to.include({ action: 'ready', from: 'paused', to: 'paused_ready', reason: 'asked in Teams' });
    });

    it('on hold: back in line at the same place', async () => {
      await h.learnerIn('waiting', 'first@example.org');
      const ada = await h.learnerIn('on_hold', 'ada@example.org');
      await h.learnerIn('waiting', 'after@example.org');
      const chat = h.chat(ada);
      expect(only(await chat.say('status')).facts['Your place in line']).to.equal('2');
      const reply = only(await chat.click({ action: 'ready' }));
      expect(reply.title).to.equal("You're back in line");
      expect(reply.facts).to.deep.equal({ 'Your place in line': '2', Expected: JULY });
      expect((await h.person(ada)).state).to.equal('waiting');
      expect(await lastEvent(ada)).to.include({ action: 'ready', from: 'on_hold', to: 'waiting' });
    });

    for (const [state, headline] of [
      ['none', 'Nothing was paused'],
      ['released', 'Nothing was paused'],
      ['waiting', "You're already in line"],
      ['paused_ready', "You're already in line"],
      ['active', 'You already have a license'],
    ] as [PersonState, string][]) {
      it(`${state}: "${headline}", nothing written`, async () => {
        const ada = await h.learnerIn(state, 'ada@example.org');
        const before = await h.snapshot();
        const reply = only(await h.chat(ada).say('ready'));
        expect(reply.title).to.equal(headline);
        expect(await h.snapshot()).to.deep.equal(before);
      });
    }

    it('an unidentified person is told so', async () => {
      expect(only(await h.chat(undefined).say('ready')).title).to.equal('I could not tell who you are');
    });
  });
});
