import { expect } from 'chai';
import type { GuideAnswer, MergeGuide } from '../../dialogs/knowledge/mergeGuide.js';
import { updateSettings } from '../../services/settings.js';
import { admin } from '../support/licensing.js';
import { only, useDialogs, type Chat, type Reply } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';
const TITLE = 'Linking your Coursera accounts';

interface Path {
  steps: { node: string; answer: GuideAnswer }[];
  outcome: string;
}

/** Every way through the guide, read from its JSON: from the start to each outcome. */
function pathsThrough(guide: MergeGuide): Path[] {
  const found: Path[] = [];
  const walk = (node: string, steps: Path['steps']): void => {
    for (const answer of guide.questions[node]!.answers) {
      const taken = [...steps, { node, answer }];
      if (answer.next in guide.outcomes) found.push({ steps: taken, outcome: answer.next });
      else walk(answer.next, taken);
    }
  };
  walk(guide.start, []);
  return found;
}

/** What someone would type for this answer: "yes" or "no" when it takes them, else its first synonym. */
function typedFor(answer: GuideAnswer): string {
  return ['yes', 'no'].find((word) => answer.synonyms.includes(word)) ?? answer.synonyms[0]!;
}

const describePath = (path: Path) => `${path.steps.map((step) => `${step.node}=${step.answer.id}`).join(' → ')} → ${path.outcome}`;

describe('merge accounts dialog', () => {
  const h = useDialogs(NOW);
  const guide = h.mergeGuide;
  const paths = pathsThrough(guide);

  function expectQuestion(reply: Reply, node: string): void {
    const question = guide.questions[node]!;
    expect(reply.title).to.equal(TITLE);
    expect(reply.texts).to.include(question.text);
    if (question.help) expect(reply.texts).to.include(question.help);
    expect(reply.buttons).to.deep.equal(
      question.answers.map((answer) => ({ title: answer.label, data: { action: 'answer', question: `merge.${node}`, answer: answer.id } })),
    );
  }

  function expectOutcome(reply: Reply, id: string): void {
    const outcome = guide.outcomes[id]!;
    expect(reply.title).to.equal(outcome.title);
    expect(reply.texts).to.include(outcome.intro);
    expect(reply.texts.filter((text) => /^\d+\. /.test(text))).to.deep.equal(outcome.steps.map((step, index) => `${index + 1}. ${step}`));
    if (outcome.note) expect(reply.text).to.include(outcome.note);
    expect(reply.buttons).to.deep.equal([]);
  }

  async function start(chat: Chat, text = 'merge my accounts'): Promise<Reply> {
    const reply = only(await chat.say(text));
    expectQuestion(reply, guide.start);
    return reply;
  }

  it('the guide has more than one way through, and every outcome is reached by one', () => {
    expect(paths.length).to.be.greaterThan(1);
    expect(new Set(paths.map((path) => path.outcome))).to.deep.equal(new Set(Object.keys(guide.outcomes)));
  });

  for (const path of paths) {
    it(`by buttons: ${describePath(path)}`, async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      const before = await h.snapshot();
      let reply = await start(chat);
      for (const [index, step] of path.steps.entries()) {
        expectQuestion(reply, step.node);
        reply = only(await chat.press(step.answer.label));
        if (index < path.steps.length - 1) expectQuestion(reply, path.steps[index + 1]!.node);
      }
      expectOutcome(reply, path.outcome);
      expect(await h.snapshot(), 'the guide writes nothing').to.deep.equal(before);
      // The guide is over: a stray "yes" is not taken as an answer any more.
      expect(only(await chat.say('yes')).title).to.equal("I don't know that one");
    });

    it(`by typing: ${describePath(path)} (${path.steps.map((step) => `"${typedFor(step.answer)}"`).join(', ')})`, async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      let reply = await start(chat, 'I have two Coursera accounts');
      for (const step of path.steps) {
        expectQuestion(reply, step.node);
        reply = only(await chat.say(typedFor(step.answer)));
      }
      expectOutcome(reply, path.outcome);
    });
  }

  describe('who to contact at the end', () => {
    const byContact = (contact: string) => Object.keys(guide.outcomes).filter((id) => guide.outcomes[id]!.contact === contact);
    const reach = async (outcome: string): Promise<Reply> => {
      const path = paths.find((candidate) => candidate.outcome === outcome)!;
      const chat = h.chat(await h.learner('ada@example.org'));
      await start(chat);
      let reply: Reply | undefined;
      for (const step of path.steps) reply = only(await chat.press(step.answer.label));
      expectOutcome(reply!, outcome);
      return reply!;
    };

    it('the guide has outcomes for the program admins', () => {
      expect(byContact('program-admins')).to.not.deep.equal([]);
    });

    for (const outcome of byContact('program-admins')) {
      it(`${outcome}: names the programContact setting when set`, async () => {
        expect((await reach(outcome)).text).to.include('For anything more, write to the program admins.');
        await updateSettings(h.models(), { programContact: 'learning@example.org' }, { actor: admin, at: h.clock.now() });
        expect((await reach(outcome)).text).to.include('For anything more, write to the program admins (learning@example.org).');
      });
    }

    for (const outcome of byContact('coursera-support')) {
      it(`${outcome}: sends the learner to Coursera Support`, async () => {
        expect((await reach(outcome)).text).to.include('Coursera Support can help further');
      });
    }

    for (const outcome of byContact('none')) {
      it(`${outcome}: names nobody else`, async () => {
        const text = (await reach(outcome)).text;
        expect(text).to.not.include('Coursera Support can help further');
        expect(text).to.not.include('For anything more');
      });
    }
  });

  describe('in the middle of the guide', () => {
    const second = paths.find((path) => path.steps.length > 1)!;

    it('re-asks the same question on something it does not recognise', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      await start(chat);
      const first = second.steps[0]!;
      const asked = only(await chat.press(first.answer.label));
      const replies = await chat.say('blue');
      expect(replies).to.have.length(2);
      expect(replies[0]!.text).to.equal('Please answer with one of the buttons on the card, or say **cancel** to stop here.');
      expectQuestion(replies[1]!, second.steps[1]!.node);
      expect(replies[1]!.buttons).to.deep.equal(asked.buttons);
    });

    it('a button of an earlier question re-asks the current one', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      const opening = await start(chat);
      await chat.press(second.steps[0]!.answer.label);
      const stale = opening.buttons.find((b) => b.title !== second.steps[0]!.answer.label)!;
      const replies = await chat.click(stale.data);
      expectQuestion(replies.at(-1)!, second.steps[1]!.node);
    });

    it('"cancel" stops the guide', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      await start(chat);
      expect(only(await chat.say('cancel')).text).to.equal('OK, I stopped there. Nothing was changed.');
      expect(only(await chat.press(second.steps[0]!.answer.label)).title).to.equal('That question is closed');
    });

    it('a command switches conversation', async () => {
      const chat = h.chat(await h.learnerIn('waiting', 'ada@example.org'));
      await start(chat);
      expect(only(await chat.say('status')).title).to.equal("You're on the waitlist");
    });

    it('keeps one level of dialog state however many questions were answered', async () => {
      const longest = paths.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));
      const chat = h.chat(undefined);
      await start(chat);
      for (const step of longest.steps.slice(0, -1)) await chat.press(step.answer.label);
      const stored = await h.models().BotState.find().lean<{ json: string }[]>();
      expect(stored).to.have.length(1);
      expect(stored[0]!.json.match(/"id":"merge"/g)).to.have.length(1);
    });

    it('starting again begins at the first question', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      await start(chat);
      await chat.press(second.steps[0]!.answer.label);
      await start(chat, 'merge');
    });
  });

  it('needs nobody to be identified: the guide is the same for everyone', async () => {
    const chat = h.chat(undefined);
    await start(chat, 'link my accounts');
    const path = paths[0]!;
    let reply: Reply | undefined;
    for (const step of path.steps) reply = only(await chat.press(step.answer.label));
    expectOutcome(reply!, path.outcome);
  });

  it('the Link accounts button on a license card starts the guide', async () => {
    const chat = h.chat(await h.learnerIn('active', 'ada@example.org'));
    await chat.say('status');
    expectQuestion(only(await chat.press('Help linking accounts')), guide.start);
  });
});
