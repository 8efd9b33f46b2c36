// A small event emitter that works the same in browsers and Node. A listener
// that throws does not stop the others, nor the client's delivery loop: the
// error goes to 'error' listeners (or the console).

export class Emitter {
  #listeners = new Map();

  on(event, listener) {
    if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
    this.#listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
  }

  emit(event, ...args) {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        if (event !== 'error' && this.#listeners.get('error')?.size) {
          this.emit('error', err);
        } else {
          console.error('parley: listener failed', err);
        }
      }
    }
    return true;
  }
}
