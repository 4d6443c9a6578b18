import { expect } from 'chai';
import type { PersonState } from '../../models/index.js';
import { updateSettings } from '../../services/settings.js';
import { admin } from '../support/licensing.js';
import { button, only, useDialogs, type Chat, type Reply } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';
const CONSENT_TITLE = 'Apply for a Coursera license';

function answerButtons(reply: Reply): unknown[] {
  return reply.buttons.filter((b) => (b.data as { action?: string }).action === 'answer');
}

describe('apply dialog', () => {
  const h = useDialogs(NOW);

  async function waitingOthers(count: number): Promise<void> {
    for (let index = 1; index <= count; index += 1) await h.learnerIn('waiting', `ahead-${index}@example.org`);
  }

  async function consent(chat: Chat, text = 'apply'): Promise<Reply> {
    const reply = only(await chat.say(text));
    expect(reply.title).to.equal(CONSENT_TITLE);
    return reply;
  }

  describe('the consent card', () => {
    it('shows the name, the invitation address, the people ahead and the terms, and writes nothing', async () => {
      await waitingOthers(2);
      const ada = await h.learner('ada@example.org', 'Ada Lovelace');
      const before = await h.snapshot();
      const card = await consent(h.chat(ada), 'I would like to apply for a license');

      expect(card.facts).to.deep.equal({ Name: 'Ada Lovelace', 'Invitation goes to': 'ada@example.org', 'People ahead of you': '2' });
      expect(card.text).to.include('first come, first served');
      expect(card.text).to.include('days 1–7 of each month');
      // Calendar-year validity.
      expect(card.text).to.include('lasts for the calendar year it is given in (this year: until 31 December 2027)');
      expect(card.text).to.include('does not renew by itself');
      // The activity clause, with its consequence.
      expect(card.text).to.include('after one month without activity you get a warning');
      expect(card.text).to.include('after 2 months the license is revoked and you cannot be invited again that year');
      expect(card.text).to.include('Say **merge accounts** before you accept it');
      expect(card.buttons.map((b) => b.data)).to.deep.equal([
        { action: 'answer', question: 'apply.consent', answer: 'agree' },
        { action: 'answer', question: 'apply.consent', answer: 'decline' },
      ]);
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('says "nobody" ahead in an empty line, names the person from the records or the address, and names the contact', async () => {
      await updateSettings(h.models(), { programContact: 'learning@example.org' }, { actor: admin, at: h.clock.now() });
      const named = await h.learner('grace@example.org', 'Grace Hopper');
      const card = await consent(h.chat({ personId: named.personId, email: named.email }));
      expect(card.facts).to.include({ Name: 'Grace Hopper', 'People ahead of you': 'nobody' });
      expect(card.text).to.include('Wrong details: write to the program admins (learning@example.org).');

      const anonymous = await h.learner('x.y@example.org');
      expect((await consent(h.chat(anonymous))).facts).to.include({ Name: 'x.y@example.org', 'Invitation goes to': 'x.y@example.org' });
    });
  });

  describe('agreeing', () => {
    it('by the button puts the person on the waitlist with a place and an estimate, and records it', async () => {
      const ada = await h.learner('ada@example.org', 'Ada Lovelace');
      const chat = h.chat(ada);
      const card = await consent(chat);
      const reply = only(await chat.click(button(card, 'Yes, add me to the waitlist').data));

      expect(reply.title).to.equal("You're on the waitlist");
      expect(reply.facts).to.deep.equal({ 'Your place in line': '1', Expected: 'at the turnover between 1 July 2027 and 7 July 2027' });
      expect(reply.buttons.map((b) => b.data)).to.deep.equal([{ action: 'pause' }, { action: 'withdraw' }]);

      const person = await h.person(ada);
      expect(person.state).to.equal('waiting');
      expect(person.ticket).to.be.a('number');
      expect(person.appliedAt?.toISOString()).to.equal('2027-06-15T10:00:00.000Z');
      const events = await h.events(ada);
      expect(events.map(({ action, from, to, actor }) => ({ action, from, to, actor }))).to.deep.equal([
        { action: 'apply', from: 'none', to: 'waiting', actor: { kind: 'person', id: 'ada@example.org' } },
      ]);
    });

    for (const typed of ['yes', 'Yes please!', 'ok', 'sign me up', 'I agree']) {
      it(`by typing "${typed}" joins behind the people already waiting`, async () => {
        await waitingOthers(2);
        const ada = await h.learner('ada@example.org');
        const chat = h.chat(ada);
        await consent(chat);
        const reply = only(await chat.say(typed));
        expect(reply.title).to.equal("You're on the waitlist");
        expect(reply.facts['Your place in line']).to.equal('3');
        expect(reply.facts.Expected).to.match(/^at the turnover between \d+ \w+ 2027 and \d+ \w+ 2027$/);
        expect((await h.person(ada)).state).to.equal('waiting');
      });
    }

    it('says when no license is in sight, rather than inventing a date', async () => {
      await updateSettings(h.models(), { capacity: 0 }, { actor: admin, at: h.clock.now() });
      const chat = h.chat(await h.learner('ada@example.org'));
      await consent(chat);
      expect(only(await chat.say('yes')).facts.Expected).to.equal('not within the next two years at the current pace');
    });

    it('a second click on the same button is harmless: "That question is closed"', async () => {
      const ada = await h.learner('ada@example.org');
      const chat = h.chat(ada);
      const agree = button(await consent(chat), 'Yes, add me to the waitlist').data;
      await chat.click(agree);
      const before = await h.snapshot();
      const again = only(await chat.click(agree));
      expect(again.title).to.equal('That question is closed');
      expect(again.buttons.map((b) => b.data)).to.deep.equal([{ action: 'status' }, { action: 'help' }]);
      expect(await h.snapshot()).to.deep.equal(before);
      expect(await h.events(ada)).to.have.length(1);
    });

    it('after being granted a license in the meantime, shows the license instead and writes nothing', async () => {
      const ada = await h.learner('ada@example.org');
      const chat = h.chat(ada);
      await consent(chat);
      await h.licensing.adminInvite(ada.email, admin, 'test');
      const before = await h.snapshot();
      const reply = only(await chat.say('yes'));
      expect(reply.title).to.equal("That doesn't fit where you stand now");
      expect(reply.text).to.include('Valid until').and.not.include('Cannot apply');
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('after applying elsewhere in the meantime, says so and does not apply twice', async () => {
      const ada = await h.learner('ada@example.org');
      const chat = h.chat(ada);
      await consent(chat);
      await h.licensing.apply({ email: ada.email }, { kind: 'person', id: ada.email });
      const reply = only(await chat.say('yes'));
      expect(reply.title).to.equal("You're already on the waitlist");
      expect(await h.events(ada)).to.have.length(1);
    });
  });

  describe('declining', () => {
    for (const how of ['button', 'no', 'not now']) {
      it(`by ${how === 'button' ? 'the button' : `typing "${how}"`} writes nothing`, async () => {
        const ada = await h.learner('ada@example.org');
        const chat = h.chat(ada);
        const card = await consent(chat);
        const before = await h.snapshot();
        const reply = only(how === 'button' ? await chat.click(button(card, 'Not now').data) : await chat.say(how));
        expect(reply.title).to.equal('No problem');
        expect(reply.text).to.include("You haven't been added to the waitlist");
        expect(await h.snapshot()).to.deep.equal(before);
        expect((await h.person(ada)).state).to.equal('none');
      });
    }
  });

  describe('when applying makes no sense, says so plainly and asks nothing', () => {
    const CASES: [PersonState, string, string][] = [
      ['waiting', "You're already on the waitlist", 'Your place in line'],
      ['on_hold', 'You already have a place in line (on hold)', 'Your place in line'],
      ['paused_ready', "You're already in line to be re-invited", 'Your place in line'],
      ['paused', 'Your license is paused, not gone', 'Someone else is using the seat for now'],
      ['invited', 'You already have a license', 'Valid until'],
      ['active', 'You already have a license', 'Valid until'],
      ['warned', 'You already have a license', 'Revoked on'],
    ];
    for (const [state, headline, detail] of CASES) {
      it(`${state}: "${headline}"`, async () => {
        const ada = await h.learnerIn(state, 'ada@example.org');
        const before = await h.snapshot();
        const reply = only(await h.chat(ada).say('apply'));
        expect(reply.title).to.equal(headline);
        expect(reply.text).to.include(detail);
        expect(answerButtons(reply)).to.deep.equal([]);
        expect(await h.snapshot()).to.deep.equal(before);
      });
    }

    it('revoked this year: barred until 1 January, no consent asked, nothing written', async () => {
      const ada = await h.learnerIn('revoked', 'ada@example.org');
      const before = await h.snapshot();
      const reply = only(await h.chat(ada).say('apply'));
      expect(reply.title).to.equal('Your license was revoked');
      expect(reply.text).to.include('You can apply again from 1 January 2028');
      expect(reply.buttons).to.deep.equal([]);
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('revoked, once the bar has lifted: may apply again', async () => {
      const ada = await h.learnerIn('revoked', 'ada@example.org');
      h.clock.set('2028-01-02T09:00:00Z');
      const chat = h.chat(ada);
      await consent(chat);
      expect(only(await chat.say('yes')).title).to.equal("You're on the waitlist");
      const person = await h.person(ada);
      expect(person.state).to.equal('waiting');
      expect(person.barredUntil).to.equal(undefined);
    });

    for (const state of ['withdrawn', 'released', 'expired'] as const) {
      it(`${state}: may apply again, at the back of the line`, async () => {
        const ada = await h.learnerIn(state, 'ada@example.org');
        await waitingOthers(1);
        const chat = h.chat(ada);
        await consent(chat);
        const reply = only(await chat.say('yes'));
        expect(reply.facts['Your place in line']).to.equal('2');
        expect((await h.events(ada)).at(-1)).to.include({ action: 'apply', from: state, to: 'waiting' });
      });
    }
  });

  it('refuses an address outside allowedEmailDomains clearly, before any consent, and writes nothing', async () => {
    await updateSettings(h.models(), { allowedEmailDomains: ['example.com'] }, { actor: admin, at: h.clock.now() });
    const ada = await h.learner('ada@example.org');
    const before = await h.snapshot();
    const reply = only(await h.chat(ada).say('apply'));
    expect(reply.title).to.equal("That didn't go through");
    expect(reply.text).to.include('Only addresses at example.com can apply; ada@example.org is not one.');
    expect(reply.text).to.include('If you think this is wrong, write to the program admins.');
    expect(answerButtons(reply)).to.deep.equal([]);
    expect(await h.snapshot()).to.deep.equal(before);

    const allowed = await h.learner('bob@example.com');
    await consent(h.chat(allowed));
  });

  it('says it cannot tell who is asking when the channel gave no email, and writes nothing', async () => {
    const before = await h.snapshot();
    const reply = only(await h.chat(undefined).say('apply'));
    expect(reply.title).to.equal('I could not tell who you are');
    expect(reply.text).to.include('write to the program admins');
    expect(await h.snapshot()).to.deep.equal(before);
  });

  describe('at the consent prompt', () => {
    for (const typed of ['what does that mean', 'yes and no', 'maybe?']) {
      it(`re-asks on "${typed}", then still takes an answer`, async () => {
        const ada = await h.learner('ada@example.org');
        const chat = h.chat(ada);
        await consent(chat);
        const before = await h.snapshot();
        const replies = await chat.say(typed);
        expect(replies.map((reply) => reply.title)).to.deep.equal([
          'Please answer with one of the buttons on the card, or say **cancel** to stop here.',
          CONSENT_TITLE,
        ]);
        expect(await h.snapshot()).to.deep.equal(before);
        expect(only(await chat.click(button(replies[1]!, 'Yes, add me to the waitlist').data)).title).to.equal("You're on the waitlist");
      });
    }

    it('"cancel" stops, writes nothing, and leaves the card\'s buttons harmless', async () => {
      const ada = await h.learner('ada@example.org');
      const chat = h.chat(ada);
      const card = await consent(chat);
      const before = await h.snapshot();
      expect(only(await chat.say('cancel')).text).to.equal('OK, I stopped there. Nothing was changed.');
      expect(only(await chat.click(button(card, 'Yes, add me to the waitlist').data)).title).to.equal('That question is closed');
      expect(await h.snapshot()).to.deep.equal(before);
      expect(only(await chat.say('cancel')).text).to.equal('There was nothing to stop.');
    });

    it('a command ("status") switches conversation; a later "yes" is no longer consent', async () => {
      const ada = await h.learner('ada@example.org');
      const chat = h.chat(ada);
      const card = await consent(chat);
      const before = await h.snapshot();
      expect(only(await chat.say('status')).title).to.equal("You haven't applied yet");
      expect(only(await chat.say('yes')).title).to.equal("I don't know that one");
      expect(only(await chat.click(button(card, 'Yes, add me to the waitlist').data)).title).to.equal('That question is closed');
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('a button of another card ("help") also switches conversation', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      await consent(chat);
      expect(only(await chat.click({ action: 'help' })).title).to.equal('What I can do');
      expect(only(await chat.say('yes')).title).to.equal("I don't know that one");
    });

    it('"apply" typed again is taken as agreement (it is one of the consent\'s words)', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      await consent(chat);
      expect(only(await chat.say('apply')).title).to.equal("You're on the waitlist");
    });
  });
});
