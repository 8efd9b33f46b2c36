// @parley/sdk: the JavaScript SDK for Parley (README.md beside src/).

export { ParleyClient, Cmd } from './client.js';
export { DeliveryTracker } from './delivery_tracker.js';
export { ParleyError } from './errors.js';
export { register, login, uploadMedia, mediaUrl } from './http.js';
export { MemoryStore, IndexedDBStore, FileStore } from './stores.js';
export { MsgType, Timeline, applyEvent, kindOf, targetSeq, mediaOf, groupEventOf,
         isEvent, reactionsOf } from './message_state.js';
export { newMsgId } from './msg_id.js';
