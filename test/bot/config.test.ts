import { expect } from 'chai';
import { ConfigError, readConfig } from '../../bot/config.js';

describe('configuration', () => {
  it('needs nothing for a local run', () => {
    expect(readConfig({})).to.deep.equal({ port: 3978, host: '127.0.0.1', dataDir: '.data', logLevel: 'info', deliveryInstances: 1 });
  });

  it('reads what is set', () => {
    const config = readConfig({ PORT: '8080', MONGODB_URI: 'mongodb+srv://u:p@cluster.example.org/desk', LOG_LEVEL: 'debug' });
    expect(config).to.include({ port: 8080, mongodbUri: 'mongodb+srv://u:p@cluster.example.org/desk', logLevel: 'debug' });
  });

  it('reads the Slack app and how many instances deliver', () => {
    const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_API_URL: 'http://127.0.0.1:9/api', DELIVERY_INSTANCES: '3' });
    expect(config.slack).to.deep.equal({ botToken: 'xoxb-1-2-abc', apiUrl: 'http://127.0.0.1:9/api/' });
    expect(config.deliveryInstances).to.equal(3);
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' }).slack?.apiUrl).to.equal('https://slack.com/api/');
  });

  it('reads the Slack admin console: the signing secret and the admins', () => {
    const secret = '0123456789abcdef0123456789abcdef';
    const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: secret, SLACK_ADMIN_USERS: 'U0123ABCD, W0456EFGH', SLACK_ADMIN_GROUP: 'S0789IJKL' });
    expect(config.slack?.console).to.deep.equal({ signingSecret: secret, adminUsers: ['U0123ABCD', 'W0456EFGH'], adminGroup: 'S0789IJKL' });
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' }).slack?.console).to.equal(undefined);
  });

  const APP = '11111111-2222-3333-4444-555555555555';
  const TENANT = '66666666-7777-8888-9999-000000000000';

  it('reads a SingleTenant bot registration (the default type) and a managed identity', () => {
    expect(readConfig({ MICROSOFT_APP_ID: APP, MICROSOFT_APP_PASSWORD: 's3cret', MICROSOFT_APP_TENANT_ID: TENANT }).teams).to.deep.equal({
      appType: 'SingleTenant',
      appId: APP,
      appPassword: 's3cret',
      tenantId: TENANT,
    });
    expect(readConfig({ MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_ID: APP, MICROSOFT_APP_TENANT_ID: TENANT }).teams).to.deep.equal({
      appType: 'UserAssignedMSI',
      appId: APP,
      tenantId: TENANT,
    });
  });

  for (const [env, words] of [
    [{ MICROSOFT_APP_ID: 'my-bot' }, 'MICROSOFT_APP_ID must be a GUID'],
    [{ MICROSOFT_APP_PASSWORD: 'pw-s3cr3t' }, 'MICROSOFT_APP_ID is needed'],
    [{ MICROSOFT_APP_ID: APP, MICROSOFT_APP_TENANT_ID: TENANT }, 'MICROSOFT_APP_PASSWORD is needed for a SingleTenant bot'],
    [{ MICROSOFT_APP_ID: APP, MICROSOFT_APP_PASSWORD: 'pw-s3cr3t' }, 'MICROSOFT_APP_TENANT_ID is needed for a SingleTenant bot'],
    [{ MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_ID: APP, MICROSOFT_APP_PASSWORD: 'pw-s3cr3t', MICROSOFT_APP_TENANT_ID: TENANT }, 'must be unset for a UserAssignedMSI bot'],
    [{ MICROSOFT_APP_TYPE: 'Whatever', MICROSOFT_APP_ID: APP }, 'MICROSOFT_APP_TYPE must be one of'],
    [{ PORT: 'eighty' }, 'PORT must be a port number'],
    [{ PORT: '70000' }, 'PORT must be a port number'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error'],
    [{ MONGODB_URI: 'postgres://u:secret@db/x' }, 'MONGODB_URI must be a MongoDB connection string'],
    [{ SLACK_BOT_TOKEN: 'xoxp-s3cr3t' }, 'SLACK_BOT_TOKEN must be a Slack bot token starting with xoxb-'],
    [{ DELIVERY_INSTANCES: '0' }, 'DELIVERY_INSTANCES must be a whole number from 1 to 50'],
    [{ SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef' }, 'SLACK_BOT_TOKEN is needed for the admin console'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'not-s3cr3t-enough', SLACK_ADMIN_USERS: 'U0123ABCD' }, 'SLACK_SIGNING_SECRET must be the 32-character signing secret'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef' }, 'SLACK_ADMIN_USERS or SLACK_ADMIN_GROUP is needed'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef', SLACK_ADMIN_USERS: 'alex' }, 'SLACK_ADMIN_USERS must be Slack user ids'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef', SLACK_ADMIN_GROUP: 'admins' }, 'SLACK_ADMIN_GROUP must be a Slack user group id'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_ADMIN_USERS: 'U0123ABCD' }, 'SLACK_SIGNING_SECRET is needed'],
  ] as const) {
    it(`stops on ${JSON.stringify(env)} with one line naming the variable`, () => {
      expect(() => readConfig(env)).to.throw(ConfigError, words);
      try {
        readConfig(env);
      } catch (error) {
        expect((error as Error).message).not.to.include('\n');
        // Neither the database password nor the bot's client secret is echoed.
        expect((error as Error).message).not.to.include('u:secret').and.not.include('s3cr3t');
      }
    });
  }
});
