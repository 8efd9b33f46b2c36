// Each line must be a type error (types.test.js counts them).
import { ParleyClient } from '../../src/index.js';

const client = new ParleyClient({ url: 'http://x', token: 't' });
client.on('mesage', () => {});
void client.send({ to: 'bob', content: 42 });
void client.markRead('c', '3');
void new ParleyClient({ token: 't' });
