// The Parley chat app: sign up / sign in, then one ParleyClient for this tab
// feeding the model (model.js) that render.js draws. The session (user id and
// token) is kept in sessionStorage, so each tab is its own device: two tabs
// can be two people chatting.

import { IndexedDBStore, MemoryStore, MsgType, ParleyClient, isEvent, login, newMsgId,
         register } from '../sdk/index.js';
import { Model, privateId } from './model.js';
import { renderConversationList, renderMessages } from './render.js';
import { openGroupDialog, openMembersDialog, openNewChatDialog } from './dialogs.js';

const $ = (id) => document.getElementById(id);
const SESSION_KEY = 'parley.session';
const DEVICE_KEY = 'parley.device';
const HISTORY_PAGE = 50;
const TYPING_EVERY_MS = 2500;

const app = {
  client: null,
  model: null,
  openId: '',
  selected: 0,  // the seq whose actions are shown
  context: null,  // {mode: 'reply' | 'edit', message}
  listReady: false,
  early: [],  // messages that came before the conversation list
  renderQueued: { list: false, messages: false, keep: 'auto' },
  // Whether the reader is at the newest message: then new messages, and
  // pictures that finish loading, keep the view at the bottom.
  stick: true,
  lastScrollTop: 0,
  lastTypingSent: 0,
  typingTimer: null,
};
// For the browser tests and the curious: the client and model of this tab.
window.parley = app;

function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function deviceId() {
  let id = sessionStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = newMsgId();
    sessionStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

// ---- sign in / sign up ----

function showAuth(message = '') {
  $('app').hidden = true;
  $('auth').hidden = false;
  $('auth-error').textContent = message;
  $('auth-user').focus();
}

async function authenticate(how) {
  const form = $('auth-form');
  if (!form.reportValidity()) return;
  const userId = $('auth-user').value.trim();
  const password = $('auth-password').value;
  $('auth-error').textContent = '';
  $('sign-in').disabled = $('sign-up').disabled = true;
  try {
    const answer = how === 'up' ? await register(location.origin, userId, password)
                                : await login(location.origin, userId, password);
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(answer));
    await start(answer);
  } catch (err) {
    const text = {
      401: 'Wrong name or password.',
      409: 'That name is taken. Sign in, or pick another.',
      429: 'Too many attempts. Wait a minute and try again.',
      503: 'The server cannot be reached.',
    }[err.code] ?? err.message;
    $('auth-error').textContent = text;
  } finally {
    $('sign-in').disabled = $('sign-up').disabled = false;
  }
}

$('auth-form').addEventListener('submit', (e) => {
  e.preventDefault();
  authenticate('in');
});
$('sign-up').addEventListener('click', () => authenticate('up'));

$('sign-out').addEventListener('click', async () => {
  sessionStorage.removeItem(SESSION_KEY);
  await app.client?.close();
  location.reload();
});

// ---- the session ----

async function start({ user_id: me, token }) {
  let store;
  try {
    store = new IndexedDBStore({ dbName: `parley-app-${deviceId()}` });
  } catch {
    store = new MemoryStore();
  }
  const client = new ParleyClient({ url: location.origin, token, store, backoffMaxMs: 2000 });
  app.client = client;
  app.model = new Model(me);
  app.listReady = false;
  app.early = [];
  wire(client);
  $('me').textContent = me;
  $('auth').hidden = true;
  $('app').hidden = false;
  try {
    await client.connect();
  } catch (err) {
    if (err.code === 401) {
      sessionStorage.removeItem(SESSION_KEY);
      showAuth('Your session ended: sign in again.');
      return;
    }
    // Unreachable now: the client is not connected; try again shortly.
    setConnection('reconnecting');
    setTimeout(() => start({ user_id: me, token }), 2000);
    return;
  }
  await loadConversations();
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash && app.model.conversations.has(fromHash)) openConversation(fromHash);
}

async function loadConversations() {
  const { client, model } = app;
  try {
    const [listing, groups] = await Promise.all([client.conversations(), client.myGroups()]);
    const mine = new Set(groups.map((g) => g.conversation_id));
    for (const entry of listing) {
      const conv = model.addListing(entry);
      // A group this user left or was removed from stays readable, not writable.
      if (conv.kind === 'group' && !mine.has(conv.id)) conv.membership = 'gone';
    }
    for (const g of groups) model.get(g.conversation_id).name = g.name;
  } catch (err) {
    showError(`Could not load conversations: ${err.message}`);
  }
  app.listReady = true;
  for (const m of app.early.splice(0)) onMessage(m);
  scheduleRender({ list: true, messages: true });
}

function wire(client) {
  client.on('message', (m) => {
    if (!app.listReady) app.early.push(m);
    else onMessage(m);
  });
  client.on('receipt', (r) => {
    const conv = app.model.conversations.get(r.conversation_id);
    if (!conv) return;
    conv.setReceipt(r.user_id, r.kind, r.seq);
    if (conv.id === app.openId) scheduleRender({ messages: true });
  });
  client.on('ack', ({ conversation_id: id, last_ack_seq: seq }) => {
    const conv = app.model.conversations.get(id);
    if (!conv) return;
    conv.markedRead(seq, app.model.me);
    scheduleRender({ list: true });
  });
  client.on('typing', ({ conversation_id: id, user_id: user, typing }) => {
    if (user === app.model.me) return;
    const conv = app.model.get(id);
    conv.setTyping(user, typing);
    scheduleRender({ list: true, header: true });
    // The indicator ends by itself when no word comes (a closed tab).
    setTimeout(() => scheduleRender({ list: true, header: true }), 6100);
  });
  client.on('group', (event) => {
    const conv = app.model.get(event.conversation_id);
    if (event.name) conv.name = event.name;
    const me = app.model.me;
    if ((event.event === 'kick' && event.users?.includes(me)) ||
        (event.event === 'leave' && event.actor === me)) {
      conv.membership = 'gone';
    } else if ((event.event === 'invite' && event.users?.includes(me)) ||
               (event.event === 'join' && event.actor === me) || event.event === 'create') {
      conv.membership = 'member';
    }
    if (!conv.name || event.event === 'settings') refreshGroupNames();
    if (conv.id === app.openId) conv.members = null;
    scheduleRender({ list: true, header: true });
  });
  client.on('state', (state) => {
    if (state === 'online') app.onlineAt = performance.now();
    setConnection(state);
  });
  client.on('synced', () => {
    setConnection('online');
    // Receipts that came while this tab was away are not replayed: ask.
    if (app.openId) loadReceipts(app.model.get(app.openId));
  });
  client.on('error', (err) => {
    if (err?.code === 401) {
      sessionStorage.removeItem(SESSION_KEY);
      showAuth('Your session ended: sign in again.');
    }
  });
}

let namesAsked = null;
async function refreshGroupNames() {
  // One GROUP mine at a time: a catch-up may bring many unnamed groups.
  if (namesAsked) return namesAsked;
  namesAsked = askGroupNames().finally(() => { namesAsked = null; });
  return namesAsked;
}

async function askGroupNames() {
  try {
    for (const g of await app.client.myGroups()) app.model.get(g.conversation_id).name = g.name;
    scheduleRender({ list: true, header: true });
  } catch {
    // names stay as they are; the next group event asks again
  }
}

function onMessage(m) {
  const known = app.model.conversations.has(m.conversation_id);
  const conv = app.model.get(m.conversation_id);
  conv.add(m, app.model.me, { live: true });
  if (!known && conv.kind === 'group' && !conv.name) refreshGroupNames();
  const open = conv.id === app.openId;
  if (open && !isEvent(m) && m.sender_id !== app.model.me && !atBottom()) {
    $('jump').hidden = false;
  }
  scheduleRender({ list: true, messages: open, header: open });
}

// ---- connection state ----

function setConnection(state) {
  const banner = $('conn');
  if (state === 'reconnecting') {
    banner.textContent = 'Reconnecting…';
    banner.className = 'conn warn';
    banner.hidden = false;
    document.body.dataset.connection = 'reconnecting';
  } else if (state === 'online' && document.body.dataset.connection === 'reconnecting') {
    // Back: the catch-up runs until 'synced'.
    banner.textContent = 'Catching up…';
    banner.className = 'conn info';
    banner.hidden = false;
    document.body.dataset.connection = 'catching-up';
    app.client.sync().then(() => setConnection('synced')).catch(() => {});
  } else if (state === 'synced' || state === 'online') {
    if (document.body.dataset.connection === 'reconnecting') return;
    banner.hidden = true;
    document.body.dataset.connection = 'online';
  } else if (state === 'closed') {
    banner.textContent = 'Disconnected';
    banner.className = 'conn warn';
    banner.hidden = false;
    document.body.dataset.connection = 'closed';
  }
}

function showError(text) {
  const banner = $('conn');
  banner.textContent = text;
  banner.className = 'conn warn';
  banner.hidden = false;
  setTimeout(() => {
    if (banner.textContent === text) banner.hidden = true;
  }, 5000);
}

// ---- drawing ----

function scheduleRender({ list = false, messages = false, header = false, keep } = {}) {
  const q = app.renderQueued;
  const first = !q.list && !q.messages && !q.header;
  q.list ||= list;
  q.messages ||= messages;
  q.header ||= header;
  if (keep && keep !== 'auto') q.keep = keep;
  if (first) requestAnimationFrame(flushRender);
}

function flushRender() {
  const q = app.renderQueued;
  app.renderQueued = { list: false, messages: false, header: false, keep: 'auto' };
  if (!app.model) return;
  if (q.list) {
    renderConversationList($('conversations'), app.model, { openId: app.openId,
                                                            onOpen: openConversation });
    $('empty-list').hidden = app.model.conversations.size > 0;
  }
  const conv = app.openId ? app.model.get(app.openId) : null;
  if (!conv) return;
  if (q.header || q.messages) renderHeader(conv);
  if (q.messages) {
    const keep = q.keep === 'auto' && app.stick ? 'bottom' : q.keep;
    renderMessages($('messages'), $('message-list'), conv, messageContext(), { keep });
    $('history-status').textContent = historyText(conv);
    markVisibleRead();
  }
}

function renderComposer(conv) {
  const gone = conv.membership === 'gone';
  $('composer').hidden = gone;
  $('left-notice').hidden = !gone;
}

function renderHeader(conv) {
  renderComposer(conv);
  $('chat-title').textContent = conv.title();
  const typers = conv.typers();
  const sub = $('chat-sub');
  sub.classList.toggle('typing', typers.length > 0);
  if (typers.length) {
    sub.textContent = `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`;
  } else if (conv.kind === 'group') {
    sub.textContent = conv.members ? `${conv.members.members.length} members` : 'group';
  } else {
    sub.textContent = 'private chat';
  }
  $('group-info').hidden = conv.kind !== 'group';
}

function messageContext() {
  return {
    me: app.model.me,
    selected: app.selected,
    mediaUrl: (id) => app.client.mediaUrl(id),
    onSelect: (seq) => {
      app.selected = app.selected === seq ? 0 : seq;
      scheduleRender({ messages: true });
    },
    onReply: (m) => setContext('reply', m),
    onEdit: (m) => setContext('edit', m),
    onRecall: (m) => act(() => app.client.recall(m.conversation_id, m.seq),
                         { msg_type: MsgType.RECALL, target_seq: m.seq, content: '' }),
    onReact: (m, emoji) => {
      const mine = (m.reactions?.[emoji] ?? []).includes(app.model.me);
      act(() => app.client.react(m.conversation_id, m.seq, emoji, { remove: mine }),
          { msg_type: MsgType.REACTION, target_seq: m.seq, content: emoji,
            ...(mine ? { remove: true } : {}) });
    },
    onJumpTo: (seq) => {
      const node = $('message-list').querySelector(`[data-seq="${seq}"]`);
      node?.scrollIntoView({ block: 'center' });
    },
  };
}

// An event of one's own (edit, recall, reaction): sent, then applied here
// once stored (the SDK does not hand one's own sends back).
async function act(send, event) {
  app.selected = 0;
  try {
    const ack = await send();
    onMessage({ ...event, conversation_id: ack.conversation_id, seq: ack.seq,
                msg_id: ack.msg_id, sender_id: app.model.me, send_time: Date.now() });
  } catch (err) {
    showError(`Not done: ${err.message}`);
  }
  scheduleRender({ messages: true, list: true });
}

// ---- the open conversation ----

function atBottom() {
  const s = $('messages');
  return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
}

async function openConversation(id) {
  const conv = app.model.get(id);
  app.openId = id;
  app.selected = 0;
  setContext(null);
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  document.body.classList.add('chat-open');
  for (const node of ['chat-bar', 'messages']) $(node).hidden = false;
  // The divider above the first unread message stays where it was at opening.
  conv.unreadMarker = conv.unread > 0 ? conv.readSeq : undefined;
  $('no-chat').hidden = true;
  $('jump').hidden = true;
  $('text').value = draftOf(id);
  renderHeader(conv);
  scheduleRender({ list: true });
  drawNow(conv);
  if (conv.historyState === 'unloaded') {
    // Enough pages to show the first unread message (bounded).
    for (let page = 0; page < 4; page += 1) {
      await loadOlder(conv, { scroll: false });
      if (conv.historyState === 'complete' || conv.oldestLoaded <= conv.readSeq + 1) break;
    }
    if (app.openId !== id) return;
    drawNow(conv);
  }
  scrollToFirstUnread(conv);
  loadReceipts(conv);
  if (conv.kind === 'group' && !conv.members) loadMembers(conv);
  if (matchMedia('(min-width: 700px)').matches) $('text').focus();
}

// Draws the open conversation at once, leaving the scroll position to the
// caller (opening a conversation places it at the first unread message).
function drawNow(conv) {
  renderMessages($('messages'), $('message-list'), conv, messageContext(), { keep: 'none' });
  $('history-status').textContent = historyText(conv);
}

function historyText(conv) {
  if (conv.historyState === 'complete') {
    return conv.messages.size ? 'The beginning of the conversation' : 'No messages yet. Say hi!';
  }
  return conv.historyState === 'loading' ? 'Loading…' : '';
}

function scrollToFirstUnread(conv) {
  const list = $('message-list');
  const first = [...list.querySelectorAll('.msg.theirs[data-seq]')]
    .find((node) => Number(node.dataset.seq) > conv.readSeq);
  const scroller = $('messages');
  if (first && conv.unread > 0) {
    scroller.scrollTop = first.offsetTop - list.offsetTop - 8;
  } else {
    scroller.scrollTop = scroller.scrollHeight;
  }
  app.stick = atBottom();
  markVisibleRead();
}

async function loadOlder(conv, { scroll = true } = {}) {
  if (conv.historyState === 'loading' || conv.historyState === 'complete') return;
  const before = Number.isFinite(conv.oldestLoaded) ? conv.oldestLoaded : 0;
  conv.historyState = 'loading';
  try {
    const page = await app.client.history(conv.id, before, HISTORY_PAGE);
    const messages = page.payload ?? [];
    // Targets come in their current state: every event up to the newest
    // seq read is in them already.
    for (const m of messages) conv.stateSeq = Math.max(conv.stateSeq, m.seq);
    for (const m of messages) conv.add(m, app.model.me, { current: true });
    const oldest = messages.reduce((min, m) => Math.min(min, m.seq), before || Infinity);
    if (Number.isFinite(oldest)) conv.oldestLoaded = Math.min(conv.oldestLoaded, oldest);
    conv.historyState = page.has_more ? 'more' : 'complete';
    if (!page.has_more) conv.oldestLoaded = Math.min(conv.oldestLoaded, 0);
  } catch (err) {
    conv.historyState = 'more';
    showError(`Could not load history: ${err.message}`);
  }
  if (scroll && conv.id === app.openId) scheduleRender({ messages: true, keep: 'prepend' });
}

async function loadReceipts(conv) {
  try {
    for (const r of await app.client.receipts(conv.id)) {
      if (r.user_id === app.model.me) continue;
      conv.setReceipt(r.user_id, 'read', r.read_seq ?? 0);
      conv.setReceipt(r.user_id, 'delivered', r.delivered_seq ?? 0);
    }
    if (conv.id === app.openId) scheduleRender({ messages: true });
  } catch {
    // big groups have no receipts; ticks stay at "sent"
  }
}

async function loadMembers(conv) {
  try {
    conv.members = await app.client.groupMembers(conv.groupId);
    conv.name = conv.members.name || conv.name;
    if (conv.id === app.openId) scheduleRender({ header: true });
  } catch {
    // a former member: no list
  }
}

// The user has seen what is on screen: read up to the lowest message that is
// fully visible at the bottom (only while the page is visible).
let readInFlight = false;
function markVisibleRead() {
  const conv = app.openId ? app.model.get(app.openId) : null;
  if (!conv || document.visibilityState !== 'visible' || readInFlight) return;
  const scroller = $('messages');
  const bottom = scroller.getBoundingClientRect().bottom + 2;
  const nodes = $('message-list').querySelectorAll('[data-seq]');
  let seq = 0;
  for (let i = nodes.length - 1; i >= 0; i -= 1) {
    if (nodes[i].getBoundingClientRect().bottom <= bottom) {
      seq = Number(nodes[i].dataset.seq);
      break;
    }
  }
  if (!seq) return;
  // The last message on screen covers the events after it (edits, reactions).
  const last = conv.shown().at(-1);
  if (last && seq === last.seq) seq = Math.max(seq, conv.maxSeq);
  if (seq <= conv.readSeq) return;
  conv.markedRead(seq, app.model.me);
  scheduleRender({ list: true });
  if (atBottom()) $('jump').hidden = true;
  readInFlight = true;
  app.client.markRead(conv.id, seq).catch(() => {
    // offline: the ACK is sent again after the reconnect by the SDK, or the
    // next scroll marks it
  }).finally(() => {
    readInFlight = false;
    if (conv.readSeq > seq) markVisibleRead();
  });
}

$('messages').addEventListener('scroll', () => {
  const conv = app.openId ? app.model.get(app.openId) : null;
  if (!conv) return;
  // Unstuck only by moving up: content that grows below (a picture that
  // loaded) scrolls nothing and leaves the reader at the newest message.
  const top = $('messages').scrollTop;
  if (atBottom()) app.stick = true;
  else if (top < app.lastScrollTop - 2) app.stick = false;
  app.lastScrollTop = top;
  if ($('messages').scrollTop < 200 && conv.historyState === 'more') loadOlder(conv);
  markVisibleRead();
}, { passive: true });
document.addEventListener('visibilitychange', markVisibleRead);
// A picture that finished loading grew the list: stay at the bottom if there.
$('message-list').addEventListener('load', (e) => {
  if (e.target.tagName !== 'IMG' || !app.stick) return;
  $('messages').scrollTop = $('messages').scrollHeight;
  markVisibleRead();
}, true);
window.addEventListener('focus', markVisibleRead);

$('jump').addEventListener('click', () => {
  const s = $('messages');
  s.scrollTop = s.scrollHeight;
  app.stick = true;
  $('jump').hidden = true;
});

$('back').addEventListener('click', () => {
  document.body.classList.remove('chat-open');
  app.openId = '';
  history.replaceState(null, '', location.pathname);
  scheduleRender({ list: true });
});

// ---- composing ----

const drafts = new Map();
function draftOf(id) { return drafts.get(id) ?? ''; }

function setContext(mode, message) {
  app.context = mode ? { mode, message } : null;
  const bar = $('composer-context');
  bar.hidden = !mode;
  if (!mode) return;
  const text = message.recalled ? '' : (message.content || '📎 attachment');
  $('composer-context-text').textContent = mode === 'edit'
    ? `Editing: ${text}` : `Replying to ${message.sender_id === app.model.me ? 'yourself'
                                                                            : message.sender_id}: ${text}`;
  if (mode === 'edit') $('text').value = message.content;
  app.selected = 0;
  scheduleRender({ messages: true });
  $('text').focus();
}

$('composer-cancel').addEventListener('click', () => {
  if (app.context?.mode === 'edit') $('text').value = '';
  setContext(null);
});

function targetOf(conv) {
  return conv.kind === 'private' ? { to: conv.peer } : { conversation_id: conv.id };
}

$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  } else if (e.key === 'Escape' && app.context) {
    setContext(null);
  }
});

$('text').addEventListener('input', () => {
  const text = $('text');
  text.style.height = 'auto';
  text.style.height = `${Math.min(text.scrollHeight, 140)}px`;
  if (!app.openId) return;
  drafts.set(app.openId, text.value);
  const conv = app.model.get(app.openId);
  const now = Date.now();
  if (text.value && now - app.lastTypingSent > TYPING_EVERY_MS) {
    app.lastTypingSent = now;
    app.client.typing(targetOf(conv), true);
  }
  if (!text.value && app.lastTypingSent) {
    app.lastTypingSent = 0;
    app.client.typing(targetOf(conv), false);
  }
});

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const conv = app.model.get(app.openId);
  const content = $('text').value.trim();
  if (!content) return;
  const context = app.context;
  $('text').value = '';
  $('text').style.height = 'auto';
  drafts.delete(conv.id);
  setContext(null);
  app.lastTypingSent = 0;
  if (context?.mode === 'edit') {
    if (content !== context.message.content) {
      act(() => app.client.edit(conv.id, context.message.seq, content),
          { msg_type: MsgType.EDIT, target_seq: context.message.seq, content });
    }
    return;
  }
  sendText(conv, content, context?.mode === 'reply' ? context.message.seq : undefined);
});

async function sendText(conv, content, replyTo) {
  const msgId = newMsgId();
  const pending = { msg_id: msgId, content, status: 'pending' };
  conv.pending.set(msgId, pending);
  app.stick = true;
  scheduleRender({ messages: true, keep: 'bottom' });
  const message = { ...targetOf(conv), content, msg_id: msgId };
  if (replyTo) message.reply_to = replyTo;
  try {
    const ack = await app.client.send(message);
    conv.pending.delete(msgId);
    conv.add({ msg_id: msgId, conversation_id: ack.conversation_id, seq: ack.seq,
               sender_id: app.model.me, content, msg_type: MsgType.TEXT,
               send_time: Date.now(), ...(replyTo ? { reply_to: replyTo } : {}) },
             app.model.me);
    conv.markedRead(Math.max(conv.readSeq, ack.seq), app.model.me);
  } catch (err) {
    pending.status = 'failed';
    pending.error = err.code === 404 ? `${conv.peer} has no account` : err.message;
  }
  scheduleRender({ messages: true, list: true });
}

$('file-input').addEventListener('change', () => {
  const conv = app.model.get(app.openId);
  for (const file of $('file-input').files) sendFile(conv, file);
  $('file-input').value = '';
});

async function sendFile(conv, file) {
  const key = newMsgId();
  const pending = { msg_id: key, name: file.name, status: 'pending', progress: 0,
                    previewUrl: file.type.startsWith('image/') ? URL.createObjectURL(file) : '' };
  conv.pending.set(key, pending);
  app.stick = true;
  scheduleRender({ messages: true, keep: 'bottom' });
  try {
    const { upload, ack } = await app.client.sendMedia(targetOf(conv), file, {
      name: file.name,
      onProgress: (sent, total) => {
        pending.progress = total ? sent / total : 1;
        scheduleRender({ messages: true });
      },
    });
    conv.pending.delete(key);
    if (pending.previewUrl) URL.revokeObjectURL(pending.previewUrl);
    const media = { media_id: upload.media_id, content_type: upload.content_type,
                    size: upload.size, name: file.name };
    for (const k of ['width', 'height', 'thumbnail_id']) {
      if (upload[k] !== undefined) media[k] = upload[k];
    }
    const type = upload.content_type?.startsWith('image/') ? MsgType.IMAGE : MsgType.FILE;
    conv.add({ msg_id: key, conversation_id: ack.conversation_id, seq: ack.seq,
               sender_id: app.model.me, content: '', msg_type: type, media,
               send_time: Date.now() }, app.model.me);
  } catch (err) {
    pending.status = 'failed';
    pending.error = `Upload failed: ${err.message}`;
  }
  scheduleRender({ messages: true, list: true });
}

// ---- new chats and groups ----

$('new-chat').addEventListener('click', () => openNewChatDialog({
  me: () => app.model.me,
  onChat: (peer) => {
    const id = privateId(app.model.me, peer);
    const conv = app.model.get(id);
    conv.activity ||= Date.now();
    conv.historyState = conv.historyState === 'unloaded' ? 'unloaded' : conv.historyState;
    openConversation(id);
  },
}));

$('new-group').addEventListener('click', () => openGroupDialog({
  create: async (name, members) => {
    const answer = await app.client.createGroup(name, members);
    const conv = app.model.get(answer.conversation_id);
    conv.name = name;
    conv.activity = Date.now();
    openConversation(conv.id);
  },
}));

$('group-info').addEventListener('click', () => {
  const conv = app.model.get(app.openId);
  openMembersDialog({
    me: app.model.me,
    groupId: conv.groupId,
    client: app.client,
    onChange: (members) => {
      conv.members = members;
      if (members?.name) conv.name = members.name;
      scheduleRender({ header: true, list: true });
    },
    onLeft: () => {
      conv.members = null;
      conv.membership = 'gone';
      scheduleRender({ header: true, list: true });
    },
  });
});

// ---- start ----

const saved = session();
if (saved?.token) start(saved);
else showAuth();
