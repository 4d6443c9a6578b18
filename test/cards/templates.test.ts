import { expect } from 'chai';
import { readCardAction, type CardAction } from '../../cards/actions.js';
import { CARD_NAMES, renderCard, type CardData } from '../../cards/render.js';
import { cardProblems } from '../support/adaptiveCards.js';

const agree: CardAction = { action: 'answer', question: 'apply.consent', answer: 'agree' };

/** Each template with everything filled, and with only what is required. */
const SAMPLES: { [N in keyof CardData]: CardData[N][] } = {
  message: [
    {
      title: "You're on the waitlist",
      paragraphs: ['One', 'Two with **bold** and a [link](https://example.org)'],
      facts: [{ label: 'Your place in line', value: '4' }],
      steps: ['First', 'Second'],
      note: 'A note',
      buttons: [
        { title: 'Status', data: { action: 'status' } },
        { title: 'Leave', data: { action: 'withdraw' }, style: 'destructive' },
      ],
      links: [{ title: 'Open Coursera', url: 'https://www.coursera.org' }],
    },
    { title: 'Only a title' },
  ],
  consent: [
    {
      name: 'Alex Doe',
      email: 'alex@example.org',
      ahead: '12',
      terms: ['First come, first served.', 'Valid for the calendar year.'],
      emailAdvice: 'Use this address.',
      agree,
      decline: { ...agree, answer: 'decline' },
    },
  ],
  help: [
    {
      title: 'What I can do',
      intro: 'Click a line.',
      commands: [{ label: 'Apply', description: 'Join the waitlist.', example: 'apply', data: { action: 'apply' } }],
      contact: 'learning@example.org',
      buttons: [{ title: 'Status', data: { action: 'status' } }],
    },
    { title: 'Topics', intro: 'Pick one.', commands: [{ label: 'A', description: 'B', example: 'C', data: { action: 'faq', topic: 'mobile-app' } }] },
  ],
};

function submitData(node: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((item) => submitData(item, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'Action.Submit') found.push(element.data);
    Object.values(element).forEach((value) => submitData(value, found));
  }
  return found;
}

describe('card templates', () => {
  for (const name of CARD_NAMES) {
    SAMPLES[name].forEach((sample, index) => {
      it(`${name} #${index + 1} expands to a valid Adaptive Card 1.5`, () => {
        const card = renderCard(name, sample as never);
        expect(cardProblems(card)).to.deep.equal([]);
        expect(JSON.stringify(card)).not.to.include('${');
      });

      it(`${name} #${index + 1}: every button carries a typed action`, () => {
        const card = renderCard(name, sample as never);
        const data = submitData(card);
        for (const value of data) expect(readCardAction(value), JSON.stringify(value)).to.deep.equal(value);
      });
    });
  }

  it('renders every button given', () => {
    expect(submitData(renderCard('message', SAMPLES.message[0]!))).to.have.length(2);
    expect(submitData(renderCard('help', SAMPLES.help[0]!))).to.have.length(2);
  });

  it('the validator does catch a broken card', () => {
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Carousel' }] })).to.have.length.above(0);
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.6', body: [] })).to.have.length.above(0);
  });

  it('keeps text typed by people as text, never as a template', () => {
    const card = renderCard('message', { title: '${title}', paragraphs: ['${$root}'] });
    expect(JSON.stringify(card)).to.include('${title}').and.include('${$root}');
  });

  it('reads only well-formed button data', () => {
    expect(readCardAction({ action: 'status' })).to.deep.equal({ action: 'status' });
    expect(readCardAction({ action: 'faq', topic: 'mobile-app' })).to.deep.equal({ action: 'faq', topic: 'mobile-app' });
    expect(readCardAction({ action: 'answer', question: 'apply.consent', answer: 'agree' })).to.deep.include({ answer: 'agree' });
    for (const value of [undefined, null, 'status', { action: 'drop-tables' }, { action: 'answer', question: 'x' }, { action: 'faq', topic: '$where' }]) {
      const read = readCardAction(value);
      if (read) expect(read, JSON.stringify(value)).to.deep.equal({ action: 'faq' });
      else expect(read).to.equal(undefined);
    }
  });
});
