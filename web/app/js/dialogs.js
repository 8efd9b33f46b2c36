// The app's dialogs, all in the one <dialog id="dialog">: a new 1:1 chat, a
// new group, and a group's members (invite, remove, make admin, leave).

import { el } from './render.js';

const $ = (id) => document.getElementById(id);
const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function userList(text) {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

// Opens the dialog; `onOk(form)` may throw to show an error and stay open.
function openDialog({ title, body, okText = 'OK', onOk }) {
  const dialog = $('dialog');
  $('dialog-title').textContent = title;
  $('dialog-body').replaceChildren(...body);
  $('dialog-error').textContent = '';
  $('dialog-ok').textContent = okText;
  $('dialog-ok').hidden = !onOk;
  const form = $('dialog-form');
  form.onsubmit = async (e) => {
    e.preventDefault();
    if (!onOk) return dialog.close();
    $('dialog-ok').disabled = true;
    try {
      await onOk();
      dialog.close();
    } catch (err) {
      $('dialog-error').textContent = err.message;
    } finally {
      $('dialog-ok').disabled = false;
    }
    return undefined;
  };
  $('dialog-cancel').onclick = () => dialog.close();
  dialog.showModal();
  body.find((node) => node.querySelector?.('input'))?.querySelector('input')?.focus();
}

export function openNewChatDialog({ me, onChat }) {
  const input = el('input', { id: 'new-chat-user', placeholder: 'their name',
                              autocapitalize: 'off', spellcheck: 'false', required: true });
  openDialog({
    title: 'New chat',
    body: [el('label', {}, 'Chat with', input)],
    okText: 'Chat',
    onOk: async () => {
      const peer = input.value.trim();
      if (!USER_ID.test(peer)) throw new Error('A name is 1–64 letters, digits, _ . or -');
      if (peer === me()) throw new Error('That is you — pick someone else');
      onChat(peer);
    },
  });
}

export function openGroupDialog({ create }) {
  const name = el('input', { id: 'group-name', placeholder: 'Weekend plans', required: true,
                             maxlength: '100' });
  const members = el('input', { id: 'group-members', placeholder: 'bob, carol',
                                autocapitalize: 'off', spellcheck: 'false' });
  openDialog({
    title: 'New group',
    body: [el('label', {}, 'Name', name), el('label', {}, 'Members (comma separated)', members)],
    okText: 'Create',
    onOk: async () => {
      const ids = userList(members.value);
      const bad = ids.find((id) => !USER_ID.test(id));
      if (bad) throw new Error(`“${bad}” is not a valid name`);
      await create(name.value.trim(), ids);
    },
  });
}

export async function openMembersDialog({ me, groupId, client, onChange, onLeft }) {
  const list = el('ul', { class: 'members' });
  const invite = el('input', { id: 'invite-users', placeholder: 'names to add',
                               autocapitalize: 'off', spellcheck: 'false' });
  const error = (text) => { $('dialog-error').textContent = text; };
  let info = null;

  const run = async (what) => {
    error('');
    try {
      await what();
      await refresh();
    } catch (err) {
      error(err.message);
    }
  };

  const draw = () => {
    const mine = info.owner_id === me ? 'owner' : (info.admins ?? []).includes(me) ? 'admin' : '';
    list.replaceChildren(...info.members.slice().sort().map((user) => {
      const role = user === info.owner_id ? 'owner'
        : (info.admins ?? []).includes(user) ? 'admin' : '';
      const canKick = user !== me && role !== 'owner' &&
        (mine === 'owner' || (mine === 'admin' && !role));
      return el('li', { class: 'member', dataset: { user } },
        el('span', { class: 'member-name', text: user === me ? `${user} (you)` : user }),
        role ? el('span', { class: 'role', text: role }) : null,
        el('span', { class: 'spacer' }),
        mine === 'owner' && !role ? el('button', { type: 'button', class: 'small',
          onclick: () => run(() => client.promoteMembers(groupId, [user])) }, 'Make admin') : null,
        canKick ? el('button', { type: 'button', class: 'small danger',
          onclick: () => run(() => client.kickMembers(groupId, [user])) }, 'Remove') : null);
    }));
  };

  const refresh = async () => {
    info = await client.groupMembers(groupId);
    $('dialog-title').textContent = `${info.name || groupId} · ${info.members.length} members`;
    draw();
    onChange(info);
  };

  openDialog({
    title: 'Members',
    body: [list,
      el('div', { class: 'row' }, invite, el('button', { type: 'button', id: 'invite-button',
        onclick: () => run(async () => {
          const ids = userList(invite.value);
          if (!ids.length) throw new Error('Name someone to add');
          await client.inviteMembers(groupId, ids);
          invite.value = '';
        }) }, 'Add')),
      el('div', { class: 'row' }, el('button', { type: 'button', class: 'danger', id: 'leave-group',
        onclick: async () => {
          try {
            await client.leaveGroup(groupId);
            onLeft();
            $('dialog').close();
          } catch (err) {
            error(err.message);
          }
        } }, 'Leave group'))],
  });
  try {
    await refresh();
  } catch (err) {
    error(err.code === 403 ? 'You are not a member of this group any more.' : err.message);
  }
}
