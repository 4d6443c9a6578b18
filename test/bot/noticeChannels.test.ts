import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { ErrorCode, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, type KnownBlock } from '@slack/web-api';
import { expect } from 'chai';
import { messageBlocks, toMrkdwn } from '../../bot/slack/messageBlocks.js';
import { slackFailure } from '../../bot/slack/noticeChannel.js';
import { teamsFailure } from '../../bot/teams/noticeChannel.js';
import { commandButton, type MessageCard } from '../../cards/render.js';
import { NOTICE_KINDS, type NoticeKind } from '../../models/index.js';
import { noticeCard } from '../../services/noticeCards.js';
import { DeliveryFailure } from '../../services/notifications/channels.js';
import { DEFAULT_SETTINGS, type Settings } from '../../services/settings.js';

const settings: Settings = { ...DEFAULT_SETTINGS, allowedEmailDomains: [], timeZone: 'Europe/Zurich', programUrl: 'https://www.coursera.org/programs/desk' };
const person = { email: 'ada@example.org' };
const now = new Date('2027-05-03T08:00:00Z');

/** Every kind of notice, with the facts it is queued with and with none (as an old or damaged notice might have). */
const NOTICES: { kind: NoticeKind; facts: Record<string, unknown>; read?: string }[] = [
  { kind: 'invitation', facts: { licenseEndsAt: new Date('2027-12-31T22:59:59Z') } },
  { kind: 'invitation', facts: { licenseEndsAt: '2027-12-31T22:59:59.000Z' }, read: 'as text from the database' },
  { kind: 'inactivity-warning', facts: { warnedAt: now, idleSince: new Date('2027-04-01T08:00:00Z'), revokeAt: new Date('2027-06-01T08:00:00Z') } },
  { kind: 'revocation', facts: { cause: 'inactivity', barredUntil: new Date('2027-12-31T23:00:00Z') } },
  { kind: 'revocation', facts: { cause: 'admin' } },
  { kind: 'year-end', facts: { endedAt: now } },
  ...NOTICE_KINDS.map((kind) => ({ kind, facts: {} })),
];

/** Block Kit as plain data, to check whatever a block holds. */
interface TextObject {
  type: string;
  text: string;
}
interface Element {
  type: string;
  text: string | TextObject;
  url?: string;
  action_id?: string;
}
interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: Element[];
}

const asData = (blocks: KnownBlock[]) => JSON.parse(JSON.stringify(blocks)) as Block[];

/** Slack's documented limits for the blocks a message card becomes (docs.slack.dev/reference/block-kit). */
function slackProblems(blocks: KnownBlock[]): string[] {
  const problems: string[] = [];
  const text = (where: string, object: TextObject | undefined, type: string | string[], max: number) => {
    if (!object) {
      problems.push(`${where}: no text`);
      return;
    }
    if (![type].flat().includes(object.type)) problems.push(`${where}: text of type ${object.type}`);
    if (object.text.length === 0 || object.text.length > max) problems.push(`${where}: ${object.text.length} characters, 1 to ${max} allowed`);
    if (object.type === 'mrkdwn') {
      if (object.text.includes('**')) problems.push(`${where}: Adaptive Card bold left in "${object.text}"`);
      // Outside links, Slack's control characters must arrive escaped.
      if (/[<>]/.test(object.text.replace(/<https:\/\/[^|<>\s]+\|[^<>]*>/g, ''))) problems.push(`${where}: unescaped < or > in "${object.text}"`);
    }
  };
  if (blocks.length > 50) problems.push(`${blocks.length} blocks, at most 50 allowed`);
  asData(blocks).forEach((block, i) => {
    const where = `block ${i} (${block.type})`;
    switch (block.type) {
      case 'header':
        text(where, block.text, 'plain_text', 150);
        break;
      case 'section':
        if (!block.text && !block.fields) problems.push(`${where}: neither text nor fields`);
        if (block.text) text(where, block.text, 'mrkdwn', 3000);
        if (block.fields && (block.fields.length === 0 || block.fields.length > 10)) problems.push(`${where}: ${block.fields.length} fields, 1 to 10 allowed`);
        block.fields?.forEach((field, f) => text(`${where} field ${f}`, field, 'mrkdwn', 2000));
        break;
      case 'context':
        if (!block.elements?.length || block.elements.length > 10) problems.push(`${where}: ${block.elements?.length ?? 0} elements, 1 to 10 allowed`);
        block.elements?.forEach((element, e) => text(`${where} element ${e}`, element as TextObject, ['mrkdwn', 'plain_text'], 3000));
        break;
      case 'actions': {
        if (!block.elements?.length || block.elements.length > 25) problems.push(`${where}: ${block.elements?.length ?? 0} elements, 1 to 25 allowed`);
        const ids = new Set<string>();
        block.elements?.forEach((element, e) => {
          if (element.type !== 'button') problems.push(`${where} element ${e}: a ${element.type}`);
          text(`${where} button ${e}`, element.text as TextObject, 'plain_text', 75);
          if (!element.url?.startsWith('https://') || element.url.length > 3000) problems.push(`${where} button ${e}: url ${element.url}`);
          if (!element.action_id || element.action_id.length > 255 || ids.has(element.action_id)) problems.push(`${where} button ${e}: action_id ${element.action_id}`);
          if (element.action_id) ids.add(element.action_id);
        });
        break;
      }
      default:
        problems.push(`${where}: not a block a message card becomes`);
    }
  });
  return problems;
}

const mrkdwnTexts = (blocks: KnownBlock[]) =>
  asData(blocks).flatMap((block) => [block.text, ...(block.fields ?? []), ...(block.elements ?? []).map((e) => e as TextObject)].filter((t): t is TextObject => t?.type === 'mrkdwn').map((t) => t.text));

describe('notices in Slack', () => {
  describe('Adaptive Card markdown as Slack mrkdwn', () => {
    it('turns **bold** into *bold*', () => {
      expect(toMrkdwn('Click **JOIN NOW** and **then** wait.')).to.equal('Click *JOIN NOW* and *then* wait.');
    });

    it('turns [text](https://...) into a Slack link', () => {
      expect(toMrkdwn('See [the program](https://www.coursera.org/programs/desk) today.')).to.equal('See <https://www.coursera.org/programs/desk|the program> today.');
    });

    it("escapes Slack's control characters &, < and >", () => {
      expect(toMrkdwn('Q&A: 1 < 2 > 0')).to.equal('Q&amp;A: 1 &lt; 2 &gt; 0');
    });

    it('does not let text someone typed ping a channel, a user or a group', () => {
      for (const typed of ['<!channel>', '<!here|here>', '<@U0123>', '<!subteam^S123>', '[<!everyone>](https://x.example)']) {
        const out = toMrkdwn(typed);
        expect(out, typed).not.to.match(/<[!@]/);
      }
      expect(toMrkdwn('[<!here>](https://x.example)')).to.equal('<https://x.example|&lt;!here&gt;>');
    });

    it('leaves links that are not https as written', () => {
      expect(toMrkdwn('[click](javascript:alert(1))')).to.equal('[click](javascript:alert(1))');
      expect(toMrkdwn('[plain](http://example.org)')).to.equal('[plain](http://example.org)');
    });
  });

  describe('a message card as Block Kit', () => {
    const card: MessageCard = {
      title: 'Your Coursera license is here',
      paragraphs: ['It is **yours** now.', 'Read [the terms](https://example.org/terms) first.'],
      facts: [
        { label: 'Valid until', value: '31 December 2027' },
        { label: 'Program', value: 'Data & AI' },
      ],
      steps: ['Open the email from Coursera.', 'Click **JOIN NOW**.'],
      note: 'Questions? Ask the desk.',
      buttons: [commandButton('Help linking accounts', 'merge'), commandButton('My license', 'status')],
      links: [
        { title: 'Open Coursera', url: 'https://www.coursera.org/programs/desk' },
        { title: 'Read the FAQ', url: 'https://example.org/faq' },
      ],
    };
    const { text, blocks } = messageBlocks(card);
    const data = asData(blocks);

    it('heads the message with the title', () => {
      expect(data[0]).to.deep.equal({ type: 'header', text: { type: 'plain_text', text: 'Your Coursera license is here' } });
    });

    it('gives each paragraph a section of its own, in mrkdwn', () => {
      const sections = data.filter((b) => b.type === 'section' && b.text).map((b) => b.text!.text);
      expect(sections.slice(0, 2)).to.deep.equal(['It is *yours* now.', 'Read <https://example.org/terms|the terms> first.']);
    });

    it('shows the facts as fields, label in bold over value', () => {
      const fields = data.find((b) => b.fields)?.fields;
      expect(fields).to.deep.equal([
        { type: 'mrkdwn', text: '*Valid until*\n31 December 2027' },
        { type: 'mrkdwn', text: '*Program*\nData &amp; AI' },
      ]);
    });

    it('numbers the steps', () => {
      const sections = data.filter((b) => b.type === 'section' && b.text).map((b) => b.text!.text);
      expect(sections).to.include('1. Open the email from Coursera.\n2. Click *JOIN NOW*.');
    });

    it('puts the note in small print at the end of the text', () => {
      expect(data.find((b) => b.type === 'context')?.elements).to.deep.equal([{ type: 'mrkdwn', text: 'Questions? Ask the desk.' }]);
    });

    it('turns links into buttons that open the page', () => {
      const buttons = data.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
      expect(buttons.map((b) => ({ type: b.type, title: (b.text as TextObject).text, url: b.url }))).to.deep.equal([
        { type: 'button', title: 'Open Coursera', url: 'https://www.coursera.org/programs/desk' },
        { type: 'button', title: 'Read the FAQ', url: 'https://example.org/faq' },
      ]);
    });

    it('leaves out the buttons that start a Teams conversation', () => {
      const json = JSON.stringify(blocks);
      expect(json).not.to.include('Help linking accounts');
      expect(json).not.to.include('My license');
      expect(messageBlocks({ title: 'Done', buttons: [commandButton('My license', 'status')] }).blocks.map((b) => b.type)).to.deep.equal(['header']);
    });

    it('says the title and paragraphs in the fallback text for notifications', () => {
      expect(text).to.include('Your Coursera license is here');
      for (const words of ['It is', 'yours', 'now.', 'Read', 'the terms', 'first.']) expect(text).to.include(words);
    });

    it('is within what Slack accepts', () => {
      expect(slackProblems(blocks)).to.deep.equal([]);
    });

    it("clips a title to the header's 150 characters", () => {
      const title = `${'Long title '.repeat(20)}end`;
      const header = asData(messageBlocks({ title }).blocks)[0]!.text!.text;
      expect(header).to.have.length.of.at.most(150);
      expect(title.startsWith(header.slice(0, -1))).to.equal(true);
    });

    it('shows at most 10 facts', () => {
      const facts = Array.from({ length: 12 }, (_, i) => ({ label: `Fact ${i + 1}`, value: `value ${i + 1}` }));
      const fields = asData(messageBlocks({ title: 'Facts', facts }).blocks).find((b) => b.fields)!.fields!;
      expect(fields).to.have.length(10);
      expect(fields[0]!.text).to.equal('*Fact 1*\nvalue 1');
    });

    it('keeps overlong text within the limits', () => {
      const long = 'word & more '.repeat(500);
      const oversized = messageBlocks({
        title: long,
        paragraphs: [long],
        facts: [{ label: long, value: long }],
        steps: [long, long],
        note: long,
        links: Array.from({ length: 30 }, (_, i) => ({ title: `${long}${i}`, url: `https://example.org/${i}` })),
      });
      expect(slackProblems(oversized.blocks)).to.deep.equal([]);
      expect(oversized.text.length).to.be.at.most(40_000);
    });

    // chat.postMessage reads `text` as mrkdwn too, and an address such as `<!here>@example.org`
    // passes normaliseEmail's shape check and is put into the invitation's paragraph.
    it('does not let text someone typed ping from the fallback text either', () => {
      const { text: fallback } = messageBlocks({ title: 'Hello <!channel>', paragraphs: ['Sent to <!here>@example.org & <@U0123>'] });
      expect(fallback).not.to.match(/<[!@]/);
    });
  });

  describe('every notice the bot sends, as Block Kit', () => {
    it('covers every kind of notice', () => {
      expect([...new Set(NOTICES.map((n) => n.kind))].sort()).to.deep.equal([...NOTICE_KINDS].sort());
    });

    for (const notice of NOTICES) {
      const facts = `${Object.keys(notice.facts).join(', ') || 'no facts'}${notice.read ? ` ${notice.read}` : ''}`;
      it(`${notice.kind} (${facts}): only known blocks, within Slack's limits`, () => {
        const card = noticeCard(notice, person, settings, now);
        const { text, blocks } = messageBlocks(card);
        expect(slackProblems(blocks)).to.deep.equal([]);
        expect(blocks[0]).to.deep.equal({ type: 'header', text: { type: 'plain_text', text: card.title } });
        expect(text).to.include(card.title);
        for (const paragraph of card.paragraphs ?? []) expect(text).to.include(toMrkdwn(paragraph));
        for (const mrkdwn of mrkdwnTexts(blocks)) expect(mrkdwn).not.to.include('**');
        const titles = JSON.stringify(blocks);
        for (const button of card.buttons ?? []) expect(titles).not.to.include(JSON.stringify(button.title));
      });
    }

    it("keeps a notice to the longest address the bot accepts within Slack's limits", () => {
      const longest = { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org` };
      for (const notice of NOTICES) expect(slackProblems(messageBlocks(noticeCard(notice, longest, settings, now)).blocks), notice.kind).to.deep.equal([]);
    });
  });
});

describe("the platforms' failures, sorted for the delivery worker", () => {
  const expectFailure = (failure: DeliveryFailure, kind: DeliveryFailure['kind'], more: Partial<Pick<DeliveryFailure, 'retryAfterMs' | 'mayHaveArrived'>> = {}) => {
    expect(failure).to.be.instanceOf(DeliveryFailure);
    expect({ kind: failure.kind, retryAfterMs: failure.retryAfterMs, mayHaveArrived: failure.mayHaveArrived }).to.deep.equal({
      kind,
      retryAfterMs: more.retryAfterMs,
      mayHaveArrived: more.mayHaveArrived ?? false,
    });
  };

  describe('Slack', () => {
    const platform = (error: string) => new WebAPIPlatformError({ ok: false, error });

    it('builds its errors the way @slack/web-api throws them', () => {
      expect(platform('users_not_found').code).to.equal(ErrorCode.PlatformError);
      expect(new WebAPIRateLimitedError(30).code).to.equal(ErrorCode.RateLimitedError);
    });

    it("waits out a rate limit for Slack's Retry-After", () => {
      expectFailure(slackFailure(new WebAPIRateLimitedError(30)), 'retryable', { retryAfterMs: 30_000 });
      expectFailure(slackFailure(new WebAPIRateLimitedError(1)), 'retryable', { retryAfterMs: 1_000 });
    });

    for (const code of ['users_not_found', 'user_not_found', 'user_disabled', 'cannot_dm_bot', 'channel_not_found']) {
      it(`gives up on Slack for the person on ${code}`, () => {
        const failure = slackFailure(platform(code));
        expectFailure(failure, 'unreachable');
        expect(failure.message).to.include(code);
      });
    }

    for (const code of ['ratelimited', 'service_unavailable', 'internal_error']) {
      it(`tries again later on ${code}`, () => {
        expectFailure(slackFailure(platform(code)), 'retryable');
      });
    }

    for (const code of ['invalid_auth', 'missing_scope', 'invalid_blocks']) {
      it(`fails the notice for good on ${code}`, () => {
        const failure = slackFailure(platform(code));
        expectFailure(failure, 'permanent');
        expect(failure.message).to.include(code);
      });
    }

    it('tries again after an HTTP 5xx, and fails for good after an HTTP 4xx', () => {
      const http = (status: number, text: string) => new WebAPIHTTPError(status, text, {}, '');
      for (const status of [500, 502, 503, 504]) expectFailure(slackFailure(http(status, 'Service Unavailable')), 'retryable');
      for (const status of [400, 403, 404]) expectFailure(slackFailure(http(status, 'Bad Request')), 'permanent');
      expect(slackFailure(http(503, 'Service Unavailable')).message).to.include('503');
    });

    it('tries again after a request with no answer, saying the message may have arrived', () => {
      const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      const failure = slackFailure(new WebAPIRequestError(timeout));
      expectFailure(failure, 'retryable', { mayHaveArrived: true });
      expect(failure.message).to.include('timeout');
      expectFailure(slackFailure(new WebAPIRequestError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))), 'retryable', { mayHaveArrived: true });
    });

    it('says only of a request with no answer that the message may have arrived', () => {
      const answered = [
        new WebAPIRateLimitedError(5),
        platform('users_not_found'),
        platform('ratelimited'),
        platform('invalid_auth'),
        new WebAPIHTTPError(503, 'Service Unavailable', {}, ''),
        new WebAPIHTTPError(400, 'Bad Request', {}, ''),
        new Error('something else'),
        'a thrown string',
        undefined,
      ];
      for (const thrown of answered) expect(slackFailure(thrown).mayHaveArrived, String(thrown)).to.equal(false);
    });

    it('tries again after anything else, as a fault of ours or the network', () => {
      expectFailure(slackFailure(new Error('socket hang up')), 'retryable');
      expect(slackFailure(new Error('socket hang up')).message).to.include('socket hang up');
      expectFailure(slackFailure('a thrown string'), 'retryable');
      expectFailure(slackFailure(null), 'retryable');
    });
  });

  describe('Teams', () => {
    const CONNECTOR_URL = 'https://smba.trafficmanager.net/teams/v3/conversations/a%3A1/activities';
    /** A RestError as the connector client throws it for an answer with `status`. */
    const answered = (status: number, headers: Record<string, string> = {}) =>
      new RestError(`Operation returned an invalid status code 'Status ${status}'`, {
        statusCode: status,
        request: createPipelineRequest({ url: CONNECTOR_URL }),
        response: { request: createPipelineRequest({ url: CONNECTOR_URL }), status, headers: createHttpHeaders(headers) },
      });

    for (const status of [403, 404]) {
      it(`gives up on Teams for the person on HTTP ${status}`, () => {
        const failure = teamsFailure(answered(status));
        expectFailure(failure, 'unreachable');
        expect(failure.message).to.include(String(status));
      });
    }

    it("waits out a 429 for Teams' Retry-After", () => {
      const failure = teamsFailure(answered(429, { 'Retry-After': '3' }));
      expectFailure(failure, 'retryable', { retryAfterMs: 3_000 });
      expect(failure.message).to.include('429');
    });

    it('tries again on a 429 without a Retry-After, or with one it cannot read, at its own pace', () => {
      expectFailure(teamsFailure(answered(429)), 'retryable');
      expectFailure(teamsFailure(answered(429, { 'retry-after': 'soon' })), 'retryable');
    });

    for (const status of [408, 412, 500, 502, 503, 504]) {
      it(`tries again later on HTTP ${status}`, () => {
        const failure = teamsFailure(answered(status));
        expectFailure(failure, 'retryable');
        expect(failure.message).to.include(String(status));
      });
    }

    it('keeps to a Retry-After on a 503 too', () => {
      expectFailure(teamsFailure(answered(503, { 'retry-after': '10' })), 'retryable', { retryAfterMs: 10_000 });
    });

    for (const status of [400, 401]) {
      it(`fails the notice for good on HTTP ${status}`, () => {
        const failure = teamsFailure(answered(status));
        expectFailure(failure, 'permanent');
        expect(failure.message).to.include(String(status));
      });
    }

    it('tries again when the Bot Connector could not be reached or did not answer', () => {
      const timedOut = teamsFailure(new RestError('no answer from the Bot Connector within 15000 ms', { code: 'ETIMEDOUT', request: createPipelineRequest({ url: CONNECTOR_URL }) }));
      expectFailure(timedOut, 'retryable');
      expect(timedOut.message).to.include('ETIMEDOUT');
      expectFailure(teamsFailure(Object.assign(new Error('could not reach the Bot Connector: ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'retryable');
      expectFailure(teamsFailure('a thrown string'), 'retryable');
    });
  });
});
