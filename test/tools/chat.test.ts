import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import { ActivityHandler, CardFactory, CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { startBotConnector, type BotConnector } from '../../tools/botConnector/index.js';
import { startApp, type RunningApp } from '../../bot/app.js';
import { readConfig } from '../../bot/config.js';
import { createLogger } from '../../services/log.js';
import { runChat } from '../../tools/chat/chat.js';
import { renderActivity, renderAdaptiveCard, type ChatButton } from '../../tools/chat/render.js';
import { useTestDatabase } from '../support/database.js';

describe('the terminal chat', () => {
  describe('renders cards as text', () => {
    it('aligns facts, keeps markdown and numbers buttons, ShowCard nested under its button', () => {
      const buttons: ChatButton[] = [];
      const lines = renderAdaptiveCard(
        {
          type: 'AdaptiveCard',
          version: '1.5',
          body: [
            { type: 'TextBlock', text: 'Your license', style: 'heading', weight: 'Bolder' },
            { type: 'TextBlock', text: 'You are on the **waitlist**.', wrap: true },
            {
              type: 'FactSet',
              facts: [
                { title: 'State', value: 'waiting' },
                { title: 'Place in line', value: '4' },
              ],
            },
            { type: 'TextBlock', text: 'hidden', isVisible: false },
            { type: 'ActionSet', actions: [{ type: 'Action.Submit', title: 'Status', data: { action: 'status' } }] },
          ],
          actions: [
            { type: 'Action.Submit', title: 'Yes, apply', data: { action: 'answer', question: 'apply.consent', answer: 'agree' } },
            { type: 'Action.OpenUrl', title: 'Read the FAQ', url: 'https://example.org/faq' },
            {
              type: 'Action.ShowCard',
              title: 'More',
              card: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Need a break?' }], actions: [{ type: 'Action.Submit', title: 'Pause', data: { action: 'pause' } }] },
            },
            { type: 'Action.Execute', title: 'Refresh', verb: 'refresh', data: { view: 'status' } },
          ],
        },
        buttons,
      );
      expect(lines).to.deep.equal([
        '**Your license**',
        'You are on the **waitlist**.',
        'State:         waiting',
        'Place in line: 4',
        '[1] Status',
        '[2] Yes, apply',
        '[3] Read the FAQ → https://example.org/faq',
        '[4] More ▾',
        '    Need a break?',
        '    [5] Pause',
        '[6] Refresh',
      ]);
      expect(buttons.map((button) => [button.kind, button.title])).to.deep.equal([
        ['submit', 'Status'],
        ['submit', 'Yes, apply'],
        ['openUrl', 'Read the FAQ'],
        ['showCard', 'More'],
        ['submit', 'Pause'],
        ['execute', 'Refresh'],
      ]);
      expect(buttons[1]).to.deep.include({ data: { action: 'answer', question: 'apply.consent', answer: 'agree' } });
      expect(buttons[5]).to.deep.include({ verb: 'refresh', data: { view: 'status' } });
    });

    it('flattens containers and columns, shows clickable containers, rich text and images', () => {
      const buttons: ChatButton[] = [];
      const lines = renderAdaptiveCard(
        {
          type: 'AdaptiveCard',
          body: [
            {
              type: 'Container',
              selectAction: { type: 'Action.Submit', title: 'Apply', data: { action: 'apply' } },
              items: [
                { type: 'TextBlock', text: '**Apply** — join the waitlist' },
                { type: 'TextBlock', text: 'Say: apply', isSubtle: true },
              ],
            },
            {
              type: 'ColumnSet',
              columns: [
                { type: 'Column', items: [{ type: 'Image', url: 'https://example.org/logo.png', altText: 'Coursera logo' }] },
                { type: 'Column', items: [{ type: 'RichTextBlock', inlines: ['Seats ', { type: 'TextRun', text: 'free', weight: 'Bolder' }, ': 3'] }] },
              ],
            },
            { type: 'Input.Text', id: 'reason', label: 'Why?' },
          ],
        },
        buttons,
      );
      expect(lines).to.deep.equal([
        '[1] **Apply** — join the waitlist',
        '    Say: apply',
        '[image: Coursera logo]',
        'Seats **free**: 3',
        '(Why?: text field)',
      ]);
      expect(buttons).to.have.length(1);
      expect(buttons[0]).to.deep.include({ kind: 'submit', data: { action: 'apply' } });
      expect((buttons[0] as { inputs: unknown[] }).inputs).to.deep.equal([{ id: 'reason', type: 'Input.Text', label: 'Why?' }]);
    });

    it('shows text, hero cards and suggested actions, numbering across one message', () => {
      const buttons: ChatButton[] = [];
      const lines = renderActivity(
        {
          type: 'message',
          text: 'Hello<br>there',
          attachments: [
            CardFactory.heroCard('Coursera', 'Learn anything', undefined, [{ type: 'imBack', title: 'Status', value: 'status' }]),
            CardFactory.adaptiveCard({ type: 'AdaptiveCard', body: [], actions: [{ type: 'Action.Submit', title: 'Help', data: { action: 'help' } }] }),
          ],
          suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'FAQ', value: 'faq' }] },
        },
        buttons,
      );
      expect(lines).to.deep.equal(['Hello', 'there', '', '**Coursera**', 'Learn anything', '[1] Status', '', '[2] Help', '[3] FAQ']);
      expect(buttons.map((button) => button.kind)).to.deep.equal(['imBack', 'submit', 'imBack']);
    });
  });

  describe('talks to a bot over HTTP', () => {
    let connector: BotConnector;
    let server: restify.Server;
    let botUrl: string;
    const received: Record<string, unknown>[] = [];

    const menu = CardFactory.adaptiveCard({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'Menu' }],
      actions: [
        { type: 'Action.Submit', title: 'Status', data: { action: 'status' } },
        { type: 'Action.Execute', title: 'Refresh', verb: 'refresh', data: { page: 2 } },
        { type: 'Action.Submit', title: 'Pause', data: { action: 'pause' }, id: 'pause' },
      ],
    });

    class Bot extends ActivityHandler {
      constructor() {
        super();
        this.onInstallationUpdateAdd(async (context, next) => {
          await context.sendActivity({ text: `Welcome, ${context.activity.from.name}.`, attachments: [menu] });
          await next();
        });
        this.onMessage(async (context, next) => {
          if (context.activity.value !== undefined) await context.sendActivity(`Clicked: ${JSON.stringify(context.activity.value)}, text: ${context.activity.text ?? 'none'}`);
          else await context.sendActivity({ text: `You said: ${context.activity.text}`, attachments: [menu] });
          await next();
        });
      }

      protected override async onInvokeActivity(context: TurnContext) {
        const action = (context.activity.value as { action: { verb: string; data: unknown } }).action;
        return {
          status: 200,
          body: {
            statusCode: 200,
            type: 'application/vnd.microsoft.card.adaptive',
            value: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: `Refreshed ${action.verb} ${JSON.stringify(action.data)}` }] },
          },
        };
      }
    }

    before(async () => {
      connector = await startBotConnector();
      const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
      const bot = new Bot();
      server = restify.createServer();
      server.use(restify.plugins.bodyParser());
      server.post('/api/messages', async (req, res) => {
        received.push(req.body as Record<string, unknown>);
        await adapter.process(req, res, (context) => bot.run(context));
      });
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
      botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((closed) => {
        server.close(() => closed());
        server.server.closeAllConnections();
      });
      await connector.close();
    });

    async function chat(script: string[]): Promise<string> {
      const input = new PassThrough();
      const output = new PassThrough();
      let transcript = '';
      output.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
      input.end(script.map((line) => `${line}\n`).join(''));
      await runChat({ input, output, botUrl, user: { email: 'alex.doe@example.org' }, connector });
      return transcript;
    }

    it('installs, sends text, clicks Submit and Execute buttons as Teams does', async () => {
      received.length = 0;
      const transcript = await chat(['hello there', '1', '#2', '#9', '/quit', 'never sent']);

      expect(transcript).to.include('License Desk:\n  Welcome, Alex Doe.\n\n  Menu\n  [1] Status\n  [2] Refresh\n  [3] Pause\n');
      expect(transcript).to.include('You said: hello there');
      expect(transcript).to.include('Clicked: {"action":"status"}, text: none');
      expect(transcript).to.include('card (invoke response):\n  Refreshed refresh {"page":2}');
      expect(transcript).to.include('There is no button 9; the latest card has buttons 1–3.');
      expect(transcript).not.to.include('never sent');

      const [install, text, submit, execute] = received;
      expect(received).to.have.length(4);
      expect(install).to.deep.include({ type: 'installationUpdate', action: 'add', channelId: 'msteams', serviceUrl: `${connector.url}/` });
      expect(install!.conversation).to.deep.include({ conversationType: 'personal', tenantId: 'local-tenant' });
      expect(install!.channelData).to.deep.include({ tenant: { id: 'local-tenant' } });
      expect((install!.recipient as { id: string }).id).to.match(/^28:/);
      expect((install!.from as { id: string; aadObjectId: string }).id).to.match(/^29:1/);
      expect(text).to.deep.include({ type: 'message', text: 'hello there' });
      expect(submit).to.deep.include({ type: 'message', value: { action: 'status' } });
      expect(submit).not.to.have.property('text');
      expect(submit!.replyToId).to.be.a('string');
      expect(execute).to.deep.include({ type: 'invoke', name: 'adaptiveCard/action' });
      expect(execute!.value).to.deep.equal({ action: { type: 'Action.Execute', verb: 'refresh', data: { page: 2 } }, trigger: 'manual' });
    });

    it('sends a bare number as text when there is no such button', async () => {
      received.length = 0;
      const transcript = await chat(['7']);
      expect(transcript).to.include('You said: 7');
      expect(received.map((activity) => activity.type)).to.deep.equal(['installationUpdate', 'message']);
    });
  });
});

describe('the terminal chat with the app', () => {
  const db = useTestDatabase();
  let app: RunningApp | undefined;
  let connector: BotConnector | undefined;

  afterEach(async () => {
    await app?.stop();
    await connector?.close();
    app = undefined;
    connector = undefined;
  });

  /** Types `lines` into a chat with a fresh app, as `user`; returns what the terminal showed. */
  async function chatWithApp(lines: string, user: { email: string; name: string }): Promise<string> {
    connector = await startBotConnector();
    app = await startApp({ ...readConfig({}), port: 0 }, { models: db(), scheduler: false, log: createLogger('error', () => undefined) });
    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = '';
    output.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
    input.end(lines);
    await runChat({ input, output, botUrl: app.url, user, connector });
    return transcript;
  }

  it('shows the help card with numbered buttons, and a click reaches the bot', async () => {
    const transcript = await chatWithApp('help\n2\n', { email: 'alex.doe@example.org', name: 'Alex Doe' });

    const [, afterHelp = ''] = transcript.split('you> help\n');
    const [helpReply = '', afterClick = ''] = afterHelp.split('you> 2\n');
    // The help card, as text, with a numbered line per thing the bot can do.
    expect(helpReply).to.match(/^License Desk:\n/);
    expect(helpReply).to.match(/^ {2}\[1\] \*\*Apply\*\*/m);
    expect(helpReply).to.match(/^ {2}\[2\] \*\*Status\*\*/m);
    // Button 2 sent { action: 'status' } as the message value: the bot answered with the status.
    expect(afterClick).to.match(/^\(clicked \[2\] Status\)\nLicense Desk:\n/);
    expect(afterClick).to.match(/haven't applied/i);
    const statusTurn = connector!.activities().at(-1)!;
    expect(statusTurn.conversationId).to.equal(connector!.personalConversationId(connector!.members()[0]!.id));
    expect(statusTurn.activity?.attachments?.[0]?.contentType).to.equal('application/vnd.microsoft.card.adaptive');
  });

  it('applies from the terminal: consent card, click to agree, place in line', async () => {
    const transcript = await chatWithApp('apply\n1\n', { email: 'sam.lee@example.org', name: 'Sam Lee' });

    const [, afterApply = ''] = transcript.split('you> apply\n');
    const [consent = '', afterClick = ''] = afterApply.split('you> 1\n');
    expect(consent).to.include('sam.lee@example.org').and.match(/\[1\] Yes, add me to the waitlist/);
    expect(afterClick).to.include("You're on the waitlist").and.match(/Your place in line:?\s+1/);
    expect(await db().Person.findOne({ email: 'sam.lee@example.org' }).lean()).to.have.property('state', 'waiting');
  });
});
