import { expect } from 'chai';
import { ConfigError, readConfig } from '../../bot/config.js';

describe('configuration', () => {
  it('needs nothing for a local run', () => {
    expect(readConfig({})).to.deep.equal({ port: 3978, host: '127.0.0.1', dataDir: '.data', logLevel: 'info' });
  });

  it('reads what is set', () => {
    const config = readConfig({ PORT: '8080', MONGODB_URI: 'mongodb+srv://u:p@cluster.example.org/desk', LOG_LEVEL: 'debug' });
    expect(config).to.include({ port: 8080, mongodbUri: 'mongodb+srv://u:p@cluster.example.org/desk', logLevel: 'debug' });
  });

  for (const [env, words] of [
    [{ PORT: 'eighty' }, 'PORT must be a port number'],
    [{ PORT: '70000' }, 'PORT must be a port number'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error'],
    [{ MONGODB_URI: 'postgres://u:secret@db/x' }, 'MONGODB_URI must be a MongoDB connection string'],
  ] as const) {
    it(`stops on ${JSON.stringify(env)} with one line naming the variable`, () => {
      expect(() => readConfig(env)).to.throw(ConfigError, words);
      try {
        readConfig(env);
      } catch (error) {
        expect((error as Error).message).not.to.include('\n');
        expect((error as Error).message).not.to.include('secret');
      }
    });
  }
});
