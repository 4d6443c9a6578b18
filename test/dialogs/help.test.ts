import { expect } from 'chai';
import { recognizeIntent, type Intent } from '../../dialogs/intents.js';
import { renderCard } from '../../cards/render.js';
import { updateSettings } from '../../services/settings.js';
import { admin } from '../support/licensing.js';
import { cardAndTemplateProblems as cardProblems, only, readReply, useDialogs } from '../support/dialogs.js';

const NOW = '2027-06-15T10:00:00Z';

/** What a typed message asks for. `undefined`: a question for the FAQ, not a command. */
const PHRASES: [string, Intent | undefined][] = [
  ['apply', 'apply'],
  ['I want to apply', 'apply'],
  ['how do I apply?', 'apply'],
  ['Can I apply for a license?', 'apply'],
  ['sign me up', 'apply'],
  ['put me on the waitlist', 'apply'],
  ['I need a Coursera licence', 'apply'],
  ['status', 'status'],
  ['where am I in the queue?', 'status'],
  ['my position', 'status'],
  ['how long?', 'status'],
  ['my license', 'status'],
  ['When will I get my license?', 'status'],
  ['am I on the waitlist', 'status'],
  ['queue', 'status'],
  ['pause', 'pause'],
  ["I'm too busy", 'pause'],
  ['busy', 'pause'],
  ['not now', 'pause'],
  ['put my license on hold', 'pause'],
  ['keep my place', 'pause'],
  ['take a break', 'pause'],
  ['ready', 'ready'],
  ["I'm ready again", 'ready'],
  ['I\u2019m ready', 'ready'],
  ['resume', 'ready'],
  ['unpause', 'ready'],
  ['ready to learn', 'ready'],
  ['re-invite me', 'ready'],
  ['release', 'release'],
  ["I don't need it any more", 'release'],
  ['give my license back', 'release'],
  ['cancel my license', 'release'],
  ['withdraw', 'withdraw'],
  ['take me off the waitlist', 'withdraw'],
  ['leave the queue', 'withdraw'],
  ['merge my accounts', 'merge'],
  ['link my Coursera account', 'merge'],
  ['I have two accounts', 'merge'],
  ['faq', 'faq'],
  ['questions', 'faq'],
  ['help', 'help'],
  ['hi', 'help'],
  ['What can you do?', 'help'],
  ['?', 'help'],
  ['cancel', 'cancel'],
  ['never mind', 'cancel'],
  ['stop', 'cancel'],
  ['<at>License Desk</at> status', 'status'],
  ['  STATUS!  ', 'status'],
  // Long questions that contain a command's word are questions, not commands.
  ["I'm too busy to finish, can I reset my deadlines?", undefined],
  ["I'm so busy at work, will I lose my progress if I stop for a month?", undefined],
  ['Work is busy, is there a way to download videos to watch offline?', undefined],
  ["I'm too busy to study right now", undefined],
  ['How do I apply the deadline reset to all my courses?', undefined],
  ['Can I apply my license to a Specialization?', undefined],
  ['Does the discount apply to professional certificates too?', undefined],
  ["The link in my invitation email doesn't work", undefined],
  ['Where is the link to the program home page?', undefined],
  ['Can I link my certificate to LinkedIn?', undefined],
  ['How do I resume my course where I left off?', undefined],
  ['How long do I have to drop a course?', undefined],
  ['Does the mobile app work with my license?', undefined],
  ['yes', undefined],
  ['', undefined],
];

describe('help dialog, intents and cards', () => {
  const h = useDialogs(NOW);

  describe('help', () => {
    it('lists the commands, each as a line that starts it, with who runs the program', async () => {
      await updateSettings(h.models(), { programContact: 'learning@example.org' }, { actor: admin, at: h.clock.now() });
      const reply = only(await h.chat(await h.learner('ada@example.org')).say('help'));
      expect(reply.title).to.equal('What I can do');
      expect(reply.buttons).to.deep.equal([
        { title: 'Apply', data: { action: 'apply' } },
        { title: 'Status', data: { action: 'status' } },
        { title: 'Pause', data: { action: 'pause' } },
        { title: 'Ready', data: { action: 'ready' } },
        { title: 'Give it back', data: { action: 'release' } },
        { title: 'Link accounts', data: { action: 'merge' } },
        { title: 'Questions', data: { action: 'faq' } },
      ]);
      expect(reply.text).to.include('learning@example.org');
    });

    it('the example under each command, typed as shown, asks for that command', async () => {
      const reply = only(await h.chat(undefined).say('What can you do?'));
      const examples = reply.texts.filter((text) => text.startsWith('Say: ')).map((text) => text.slice('Say: '.length));
      expect(examples).to.have.length(reply.buttons.length);
      examples.forEach((example, index) => {
        const action = (reply.buttons[index]!.data as { action: string }).action;
        // The Questions line's example is a question, which goes to the FAQ by not being a command.
        expect(recognizeIntent(example), example).to.equal(action === 'faq' ? undefined : action);
      });
    });

    it('each line starts its conversation', async () => {
      const expected: Record<string, string> = {
        Apply: "You're already on the waitlist",
        Status: "You're on the waitlist",
        Pause: 'Put your place on hold?',
        Ready: "You're already in line",
        'Give it back': 'Leave the waitlist?',
        'Link accounts': 'Linking your Coursera accounts',
        Questions: 'Common questions',
      };
      const chat = h.chat(await h.learnerIn('waiting', 'ada@example.org'));
      const before = await h.snapshot();
      for (const [line, title] of Object.entries(expected)) {
        await chat.say('help');
        expect(only(await chat.press(line)).title, line).to.equal(title);
      }
      expect(await h.snapshot()).to.deep.equal(before);
    });

    it('works for someone the channel could not identify', async () => {
      expect(only(await h.chat(undefined).say('hi')).title).to.equal('What I can do');
    });

    it('"cancel" with nothing going on says so', async () => {
      expect(only(await h.chat(undefined).say('cancel')).text).to.equal('There was nothing to stop.');
    });

    it('a click that is none of ours, or an empty message, is treated as a question and changes nothing', async () => {
      const chat = h.chat(await h.learner('ada@example.org'));
      const before = await h.snapshot();
      expect(only(await chat.click({ action: 'format-disk' })).title).to.equal('Common questions');
      expect(only(await chat.click({ action: 'answer', question: 'apply.consent', answer: 'agree<script>' })).title).to.equal(
        'Common questions',
      );
      expect(await h.snapshot()).to.deep.equal(before);
    });
  });

  describe('intents', () => {
    for (const [phrase, intent] of PHRASES) {
      it(`${JSON.stringify(phrase)} → ${intent ?? 'a question'}`, () => {
        expect(recognizeIntent(phrase)).to.equal(intent);
      });
    }
  });

  describe('card checks', () => {
    it('catch what the Adaptive Cards parser refuses, and unexpanded template fields', () => {
      expect(cardProblems(renderCard('message', { title: 'Fine', paragraphs: ['text'], buttons: [{ title: 'Go', data: { action: 'help' } }] }))).to.deep.equal([]);
      expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Marquee', text: 'x' }] })).to.have.length(1);
      expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: '${name}' }] })).to.deep.equal([
        'unexpanded template expressions: ${name}',
      ]);
      expect(() =>
        readReply({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Marquee' }] } }] }),
      ).to.throw(/invalid Adaptive Card/);
    });

    it('keep text a user typed as text, even when it looks like a template', () => {
      const card = renderCard('message', { title: '${title}', paragraphs: ["${'$'}{x}", '{{name}}'] });
      expect(JSON.stringify(card.body)).to.include('"text":"${title}"').and.include('"text":"${\'$\'}{x}"').and.include('"text":"{{name}}"');
    });
  });
});
