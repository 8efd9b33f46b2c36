// Drawing the model: the conversation list, the open conversation's
// messages (bubbles with ticks, replies, reactions, media, actions) and its
// header. Plain DOM; the list of messages is redrawn as a whole at most once
// a frame, keeping the reader's place (main.js schedules it).

import { MsgType, mediaOf } from '../sdk/index.js';
import { preview, systemText } from './model.js';

export const REACTIONS = ['👍', '❤️', '😂', '😮', '🎉'];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function timeOf(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function sizeOf(bytes) {
  if (!(bytes >= 0)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const TICKS = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' };
const TICK_TITLES = { pending: 'Sending…', sent: 'Sent', delivered: 'Delivered', read: 'Read',
                      failed: 'Not sent' };

function tick(status) {
  return el('span', { class: `tick ${status}`, title: TICK_TITLES[status],
                      dataset: { status } }, TICKS[status]);
}

export function renderConversationList(list, model, { openId, onOpen }) {
  const items = model.ordered().map((conv) => {
    const typers = conv.typers();
    const line = typers.length ? `${typers.join(', ')} typing…` : preview(conv.last, model.me);
    return el('li', {
      class: `conversation${conv.id === openId ? ' open' : ''}`,
      dataset: { id: conv.id },
      onclick: () => onOpen(conv.id),
    },
    el('div', { class: `avatar ${conv.kind}` }, conv.title().slice(0, 1).toUpperCase()),
    el('div', { class: 'conv-main' },
      el('div', { class: 'conv-top' },
        el('span', { class: 'conv-title', text: conv.title() }),
        el('span', { class: 'conv-time muted', text: timeOf(conv.last?.send_time) })),
      el('div', { class: 'conv-bottom' },
        el('span', { class: `conv-preview${typers.length ? ' typing' : ''}`, text: line }),
        conv.unread > 0 ? el('span', { class: 'badge', text: String(conv.unread) }) : null)));
  });
  list.replaceChildren(...items);
}

function mediaBlock(m, ctx) {
  const media = mediaOf(m);
  if (!media?.media_id) return null;
  if (m.msg_type === MsgType.IMAGE) {
    const full = ctx.mediaUrl(media.media_id);
    const src = ctx.mediaUrl(media.thumbnail_id ?? media.media_id);
    // The size is known before the picture loads, so the list does not jump.
    let width = media.width ?? 240;
    let height = media.height ?? 180;
    const scale = Math.min(1, 240 / width, 240 / height);
    width = Math.round(width * scale);
    height = Math.round(height * scale);
    return el('a', { href: full, target: '_blank', rel: 'noopener', class: 'image-link' },
      el('img', { class: 'thumb', src, alt: media.name ?? 'photo', width, height,
                  loading: 'lazy' }));
  }
  return el('a', { class: 'file', href: ctx.mediaUrl(media.media_id), download: media.name ?? '',
                   target: '_blank', rel: 'noopener' },
    el('span', { class: 'file-icon' }, '📎'),
    el('span', { class: 'file-name', text: media.name ?? 'file' }),
    el('span', { class: 'file-size muted', text: sizeOf(media.size) }));
}

function replyQuote(m, conv, ctx) {
  if (!m.reply_to) return null;
  const target = conv.messages.get(m.reply_to);
  const who = target ? (target.sender_id === ctx.me ? 'You' : target.sender_id) : '';
  const text = target ? preview({ ...target, sender_id: '' }, ctx.me) : 'an earlier message';
  return el('div', { class: 'quote', onclick: (e) => { e.stopPropagation();
                                                       ctx.onJumpTo(m.reply_to); } },
    who ? el('b', { text: who }) : null, el('span', { text: text }));
}

function reactionsRow(m, ctx) {
  const entries = Object.entries(m.reactions ?? {}).filter(([, users]) => users.length);
  if (!entries.length) return null;
  return el('div', { class: 'reactions' }, entries.map(([emoji, users]) => el('button', {
    type: 'button',
    class: `reaction${users.includes(ctx.me) ? ' mine' : ''}`,
    title: users.join(', '),
    onclick: (e) => { e.stopPropagation(); ctx.onReact(m, emoji); },
  }, `${emoji} ${users.length}`)));
}

function actions(m, ctx) {
  const own = m.sender_id === ctx.me;
  const buttons = [
    ...REACTIONS.map((emoji) => el('button', { type: 'button', class: 'act react',
      title: `React ${emoji}`, onclick: (e) => { e.stopPropagation(); ctx.onReact(m, emoji); } },
    emoji)),
    el('button', { type: 'button', class: 'act reply', onclick: (e) => {
      e.stopPropagation(); ctx.onReply(m); } }, 'Reply'),
  ];
  if (own && m.msg_type === MsgType.TEXT) {
    buttons.push(el('button', { type: 'button', class: 'act edit', onclick: (e) => {
      e.stopPropagation(); ctx.onEdit(m); } }, 'Edit'));
  }
  if (own) {
    buttons.push(el('button', { type: 'button', class: 'act recall', onclick: (e) => {
      e.stopPropagation(); ctx.onRecall(m); } }, 'Recall'));
  }
  return el('div', { class: 'actions' }, buttons);
}

function messageNode(m, conv, ctx, previous) {
  if (m.msg_type === MsgType.SYSTEM) {
    return el('div', { class: 'system', dataset: { seq: m.seq } }, systemText(m, ctx.me));
  }
  const own = m.sender_id === ctx.me;
  const showSender = conv.kind === 'group' && !own &&
    (previous?.sender_id !== m.sender_id || previous?.msg_type === MsgType.SYSTEM);
  const status = own && !m.recalled ? conv.tick(m.seq, ctx.me) : null;
  const body = m.recalled
    ? el('div', { class: 'text recalled', text: own ? 'You recalled this message'
                                                     : 'This message was recalled' })
    : [mediaBlock(m, ctx), m.content ? el('div', { class: 'text', text: m.content }) : null];
  return el('div', {
    class: `msg ${own ? 'own' : 'theirs'}${ctx.selected === m.seq ? ' selected' : ''}`,
    dataset: { seq: m.seq, sender: m.sender_id },
    onclick: () => ctx.onSelect(m.seq),
  },
  el('div', { class: 'bubble' },
    showSender ? el('div', { class: 'sender', text: m.sender_id }) : null,
    m.recalled ? null : replyQuote(m, conv, ctx),
    body,
    el('div', { class: 'meta' },
      m.edited_at && !m.recalled ? el('span', { class: 'edited', text: 'edited' }) : null,
      el('span', { class: 'time', text: timeOf(m.send_time) }),
      status ? tick(status) : null)),
  m.recalled ? null : reactionsRow(m, ctx),
  m.recalled || ctx.selected !== m.seq ? null : actions(m, ctx));
}

function pendingNode(p) {
  const progress = p.progress !== undefined && p.status === 'pending'
    ? el('div', { class: 'progress' }, el('div', { class: 'progress-bar',
                                                    style: `width:${Math.round(p.progress * 100)}%` }))
    : null;
  return el('div', { class: 'msg own', dataset: { pending: p.msg_id } },
    el('div', { class: 'bubble' },
      p.previewUrl ? el('img', { class: 'thumb', src: p.previewUrl, alt: p.name ?? '' }) : null,
      p.name && !p.previewUrl ? el('div', { class: 'file' }, '📎 ', p.name) : null,
      p.content ? el('div', { class: 'text', text: p.content }) : null,
      progress,
      p.error ? el('div', { class: 'send-error', text: p.error }) : null,
      el('div', { class: 'meta' }, tick(p.status))));
}

// Redraws the messages of `conv` into `list`, keeping the reader's place:
// at the bottom it stays at the bottom; after older messages were added
// above (keep: 'prepend') the same message stays in view.
export function renderMessages(scroller, list, conv, ctx, { keep = 'auto' } = {}) {
  const fromBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  const atBottom = fromBottom < 48;
  const top = scroller.scrollTop;
  const shown = conv.shown();
  const nodes = [];
  let previous = null;
  let dayShown = '';
  let unreadShown = false;
  for (const m of shown) {
    const day = m.send_time ? new Date(m.send_time).toDateString() : '';
    if (day && day !== dayShown) {
      dayShown = day;
      nodes.push(el('div', { class: 'day muted', text: new Date(m.send_time).toLocaleDateString(
        [], { weekday: 'short', month: 'short', day: 'numeric' }) }));
    }
    if (conv.unreadMarker !== undefined && m.seq > conv.unreadMarker && !unreadShown &&
        m.sender_id !== ctx.me) {
      unreadShown = true;
      nodes.push(el('div', { class: 'unread-divider', text: 'Unread messages' }));
    }
    nodes.push(messageNode(m, conv, ctx, previous));
    previous = m;
  }
  for (const p of conv.pending.values()) nodes.push(pendingNode(p));
  list.replaceChildren(...nodes);
  if (keep === 'bottom' || (keep === 'auto' && atBottom)) {
    scroller.scrollTop = scroller.scrollHeight;
  } else if (keep === 'prepend') {
    scroller.scrollTop = scroller.scrollHeight - scroller.clientHeight - fromBottom;
  } else if (keep === 'auto') {
    scroller.scrollTop = top;
  }
  return atBottom;
}
