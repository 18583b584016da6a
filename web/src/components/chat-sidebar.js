// The Chat screen's side panel: which project, a new chat, and the project's chats (most recent first) with
// rename and delete. On a phone it is a drawer over the conversation: opening it moves focus in, Tab stays inside
// while it is open, and Escape (or its close button) closes it and gives focus back to the ☰ button.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ChatIcon } from '../chat/icons.js';
import { DateText } from '../format.js';
import { html } from '../html.js';
import { NewProjectForm } from './new-project-form.js';

function ProjectPicker({ projects, error, projectId, onPick, onCreate, onRetry }) {
  const [creating, setCreating] = useState(false);
  if (error) {
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load your projects: ${error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${onRetry}>Try again</button>
      </div>`;
  }
  if (!projects) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading projects…</p>`;
  const first = projects.length === 0;
  const create = async (name) => {
    await onCreate(name);
    setCreating(false);
  };
  return html`
    <div class="project-picker">
      ${!first && html`
        <label for="chat-project" class="side-label">Project</label>
        <div class="project-row">
          <select id="chat-project" class="input" value=${projectId || ''} onChange=${(e) => onPick(e.currentTarget.value || null)}>
            ${!projectId && html`<option value="">Choose a project…</option>`}
            ${projects.map((p) => html`<option key=${p.id} value=${p.id}>${p.name}</option>`)}
          </select>
          <button type="button" class="icon-button icon-button-boxed" aria-label="New project" title="New project"
            aria-expanded=${creating ? 'true' : 'false'} onClick=${() => setCreating(!creating)}>
            <${ChatIcon} name="plus" size=${18} />
          </button>
        </div>`}
      ${(first || creating) && html`<${NewProjectForm} id="new-project-name" first=${first} onCreate=${create} onCancel=${() => setCreating(false)} />`}
    </div>
  `;
}

function SessionItem({ session, current, onOpen, onRename, onDelete }) {
  return html`
    <li class="session-item" data-current=${current ? 'true' : 'false'}>
      <button type="button" class="session-open" aria-current=${current ? 'true' : undefined} onClick=${() => onOpen(session)}>
        <span class="session-title">${session.title}</span>
        <span class="session-meta">
          ${session.status === 'running' && html`<span class="session-running">Working · </span>`}
          <${DateText} value=${session.updatedAt} ago />
        </span>
      </button>
      <span class="session-actions">
        <button type="button" class="icon-button" aria-label=${`Rename “${session.title}”`} title="Rename" onClick=${() => onRename(session)}>
          <${ChatIcon} name="edit" size=${16} />
        </button>
        <button type="button" class="icon-button icon-button-danger" aria-label=${`Delete “${session.title}”`} title="Delete"
          onClick=${() => onDelete(session)}>
          <${ChatIcon} name="trash" size=${16} />
        </button>
      </span>
    </li>
  `;
}

function SessionList({ sessions, error, currentId, onOpen, onRename, onDelete, onRetry }) {
  if (error) {
    return html`
      <div class="callout callout-bad callout-row" role="alert">
        <p>Could not load the chats: ${error}</p>
        <button type="button" class="button button-small button-secondary" onClick=${onRetry}>Try again</button>
      </div>`;
  }
  if (!sessions) return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading chats…</p>`;
  if (!sessions.length) return html`<p class="side-empty">No chats in this project yet.</p>`;
  return html`
    <ul class="session-list">
      ${sessions.map((session) => html`<${SessionItem} key=${session.id} session=${session} current=${session.id === currentId}
        onOpen=${onOpen} onRename=${onRename} onDelete=${onDelete} />`)}
    </ul>
  `;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Whether the panel is shown as a drawer over the conversation (a phone), not as a column beside it. */
function isDrawer(aside) {
  return Boolean(aside && getComputedStyle(aside).position === 'absolute');
}

function focusToggle(aside) {
  aside?.closest('.chat')?.querySelector('.chat-side-toggle')?.focus();
}

/** The drawer's keyboard behaviour: focus in on open, kept inside, Escape closes and returns to the ☰ button. */
function useDrawer(ref, open, close) {
  const wasOpen = useRef(open);
  useLayoutEffect(() => {
    const aside = ref.current;
    const opened = open && !wasOpen.current;
    const closed = !open && wasOpen.current;
    wasOpen.current = open;
    if (opened && isDrawer(aside)) {
      const current = aside.querySelector('.session-open[aria-current="true"]');
      (current || aside.querySelector(FOCUSABLE))?.focus();
    }
    // Closed while focus was inside (close button, Escape): back to the ☰ button; a chat opened from the list
    // moves focus to the composer itself.
    if (closed && aside && (aside.contains(document.activeElement) || document.activeElement === document.body)) {
      focusToggle(aside);
    }
  }, [open]);

  return (event) => {
    const aside = ref.current;
    if (!open || !isDrawer(aside)) return;
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = [...aside.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
}

export function ChatSidebar({ open, projects, project, sessions, currentSessionId, on }) {
  const ref = useRef(null);
  const onKeyDown = useDrawer(ref, open, on.closeSide);
  return html`
    <aside class="chat-side" id="chat-side" ref=${ref} data-open=${open ? 'true' : 'false'} aria-label="Projects and chats"
      onKeyDown=${onKeyDown}>
      <div class="chat-side-head">
        <h1 id="screen-title" tabindex="-1">Chat</h1>
        <button type="button" class="icon-button chat-side-close" aria-label="Close the chat list" onClick=${on.closeSide}>
          <${ChatIcon} name="close" size=${18} />
        </button>
      </div>
      <${ProjectPicker} projects=${projects.projects} error=${projects.error} projectId=${project?.id} onPick=${on.pickProject}
        onCreate=${on.createProject} onRetry=${projects.reload} />
      ${project && html`
        <button type="button" class="button button-secondary button-block new-chat" onClick=${on.newChat}>
          <${ChatIcon} name="plus" size=${18} /> New chat
        </button>
        <h2 class="side-label" id="chats-title">Chats</h2>
        <nav aria-labelledby="chats-title" class="side-sessions" aria-busy=${sessions.refreshing ? 'true' : 'false'}>
          <${SessionList} sessions=${sessions.sessions} error=${sessions.error} currentId=${currentSessionId}
            onOpen=${on.openSession} onRename=${on.renameSession} onDelete=${on.deleteSession} onRetry=${sessions.reload} />
        </nav>`}
    </aside>
  `;
}
