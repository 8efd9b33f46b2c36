// Where a client keeps its positions between runs: the SYNC inbox cursor,
// groups_since, each conversation's delivered seq, and the sends not yet
// acknowledged (the outbox). A store is any object with
//   load(userId) -> Promise<state | null>
//   save(userId, state) -> Promise<void>
// where state is a plain JSON object. The client saves after delivering
// (debounced) and when it closes; one state per user id.
//
// IndexedDBStore is the browser's; FileStore serves Node; MemoryStore keeps
// nothing past the process (tests, short-lived bots).

export class MemoryStore {
  #states = new Map();

  async load(userId) {
    const state = this.#states.get(userId);
    return state ? structuredClone(state) : null;
  }

  async save(userId, state) {
    this.#states.set(userId, structuredClone(state));
  }
}

export class IndexedDBStore {
  /**
   * @param {{dbName?: string, indexedDB?: IDBFactory}} options indexedDB
   *   defaults to the global one (a browser's).
   */
  constructor({ dbName = 'parley-sdk', indexedDB = globalThis.indexedDB } = {}) {
    if (!indexedDB) throw new Error('IndexedDBStore: no indexedDB here');
    this.dbName = dbName;
    this.factory = indexedDB;
    this.db = null;
  }

  #open() {
    if (this.db) return this.db;
    this.db = new Promise((resolve, reject) => {
      const request = this.factory.open(this.dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('positions');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.db;
  }

  async #run(mode, action) {
    const db = await this.#open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('positions', mode);
      const request = action(tx.objectStore('positions'));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  async load(userId) {
    return (await this.#run('readonly', (s) => s.get(userId))) ?? null;
  }

  async save(userId, state) {
    await this.#run('readwrite', (s) => s.put(state, userId));
  }

  async close() {
    if (this.db) (await this.db).close();
    this.db = null;
  }
}

// One JSON file per user in `dir`, replaced atomically (write, fsync, rename),
// so a crash leaves the old positions or the new ones, never half of each.
export class FileStore {
  constructor(dir) {
    this.dir = dir;
  }

  async #fs() {
    const name = 'node:fs/promises';  // a variable, so bundlers leave it alone
    return import(name);
  }

  #path(userId) {
    return `${this.dir}/parley-${encodeURIComponent(userId)}.json`;
  }

  async load(userId) {
    const fs = await this.#fs();
    try {
      return JSON.parse(await fs.readFile(this.#path(userId), 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(userId, state) {
    const fs = await this.#fs();
    await fs.mkdir(this.dir, { recursive: true });
    const path = this.#path(userId);
    const temp = `${path}.tmp`;
    const file = await fs.open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify(state));
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temp, path);
  }
}
