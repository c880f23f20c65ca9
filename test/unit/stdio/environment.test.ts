// SPEC §2 (env_vars): the child gets a minimal inherited environment plus env_vars.
import t from 'tap';
import { childEnvironment, INHERITED_ENV } from '../../../src/stdio/environment.js';

t.test('§2 env_vars: only the listed variables are inherited; env_vars are added and win', async (t) => {
  const parent = { PATH: '/bin', HOME: '/home/u', LANG: 'C.UTF-8', THV_SESSION_REDIS_PASSWORD: 'secret', AWS_SECRET_ACCESS_KEY: 'k', BASH_FUNC: '() { :; }' };
  const env = childEnvironment({ API_KEY: 'abc', LANG: 'de_DE.UTF-8' }, parent);
  t.same(env, { PATH: '/bin', HOME: '/home/u', LANG: 'de_DE.UTF-8', API_KEY: 'abc' });
  t.ok(INHERITED_ENV.includes('PATH'));
  t.notOk('THV_SESSION_REDIS_PASSWORD' in env, 'the proxy\'s secrets do not reach the server');
});

t.test('§2 env_vars: exported shell functions are not inherited', async (t) => {
  const env = childEnvironment({}, { PATH: '() { evil; }', HOME: '/h' });
  t.same(env, { HOME: '/h' });
});
