// Chat: conversations with Claude inside a project. The side panel picks the project (remembered per browser)
// and the chat; the conversation streams Claude's answer, its tool calls and its questions; the composer sends.
// An open chat is in the URL (/chat?project=…&session=…), so a reload or a shared link comes back to it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ChatComposer } from '../components/chat-composer.js';
import { ChatSessionSettings } from '../components/chat-session-settings.js';
import { DeleteSessionDialog, RenameSessionDialog } from '../components/chat-session-dialogs.js';
import { LimitedModeBanner } from '../components/limited-mode-banner.js';
import { ChatSidebar } from '../components/chat-sidebar.js';
import { ChatTranscript } from '../components/chat-transcript.js';
import { Conversation } from '../chat/conversation.js';
import { PERMISSION_MODES, modeLabel } from '../chat/format.js';
import { ChatIcon } from '../chat/icons.js';
import { rememberProject, rememberedProject, useProjects, useSessions } from '../chat/projects.js';
import { isRunning } from '../chat/turns.js';
import { html } from '../html.js';
import { useConnection } from '../use-realtime.js';

const CHAT_PATH = '/chat';

function readUrl() {
  const query = new URLSearchParams(window.location.search);
  return { projectId: query.get('project'), sessionId: query.get('session') };
}

function writeUrl(projectId, sessionId) {
  if (window.location.pathname.replace(/\/+$/, '') !== CHAT_PATH) return;
  const query = sessionId ? `?${new URLSearchParams({ project: projectId, session: sessionId })}` : '';
  if (window.location.search !== query) window.history.replaceState(null, '', CHAT_PATH + query);
}

/** The screen's conversation store, started while the screen is mounted, and its current state. */
function useConversation() {
  const store = useMemo(() => new Conversation(), []);
  const [state, setState] = useState(store.state);
  useEffect(() => {
    store.start();
    const unsubscribe = store.subscribe(setState);
    return () => {
      unsubscribe();
      store.stop();
    };
  }, [store]);
  return [store, state];
}

function composerReason(projects, project) {
  if (!projects.projects) return projects.error ? 'Your projects could not be loaded.' : 'Loading your projects…';
  if (!project) return 'Pick or create a project to start chatting.';
  if (!project.canWrite) return 'You can read this project but not chat in it: ask its owner for write access.';
  return null;
}

function ConnectionBanner() {
  const { status } = useConnection();
  if (status !== 'reconnecting' && status !== 'offline') return null;
  const text = status === 'offline'
    ? 'Offline. The conversation continues here when the network is back.'
    : 'Reconnecting… The conversation picks up where it left off.';
  return html`<p class="chat-banner" id="chat-reconnecting" role="status" data-state=${status}>
    <span class="spinner" aria-hidden="true"></span> ${text}</p>`;
}

function Welcome({ state, project }) {
  if (state.loading) {
    return html`<p class="loading chat-welcome" role="status"><span class="spinner" aria-hidden="true"></span>
      Loading the conversation…</p>`;
  }
  if (state.loadError) return null;
  if (state.turns.length) return null;
  if (!project) {
    return html`
      <div class="chat-welcome">
        <div class="empty-state-icon"><${ChatIcon} name="chat" size=${28} /></div>
        <p>Chat with Claude in a project: Claude reads and writes the project’s files and streams its answer as it
          works. Pick a project to start.</p>
      </div>`;
  }
  const mode = PERMISSION_MODES.find((m) => m.value === state.permissionMode);
  return html`
    <div class="chat-welcome">
      <div class="empty-state-icon"><${ChatIcon} name="sparkle" size=${28} /></div>
      <h3>New chat in ${project.name}</h3>
      <p>Ask about this project’s files, or ask Claude to write something. ${mode?.hint}</p>
    </div>`;
}

function ConversationHead({ state, project, sideOpen, toggleSide, onSettingsSaved }) {
  return html`
    <header class="chat-head">
      <button type="button" class="icon-button icon-button-boxed chat-side-toggle" aria-controls="chat-side"
        aria-expanded=${sideOpen ? 'true' : 'false'} onClick=${toggleSide}>
        <${ChatIcon} name="menu" size=${18} /><span class="sr-only">Projects and chats</span>
      </button>
      <div class="chat-head-text">
        <h2 class="chat-title" id="chat-title">${project ? state.title || 'New chat' : 'No project yet'}</h2>
        ${project && html`<p class="chat-subtitle">${project.name}${state.sessionId ? ` · ${modeLabel(state.permissionMode)}` : ''}</p>`}
      </div>
      ${project && html`<${ChatSessionSettings} sessionId=${state.sessionId}
        draft=${state.sessionId ? null : state} onSaved=${onSettingsSaved} />`}
    </header>
  `;
}

export default function ChatScreen({ user }) {
  const [store, state] = useConversation();
  const initial = useMemo(readUrl, []);
  const pendingSession = useRef(initial.sessionId);
  const [projectId, setProjectId] = useState(initial.projectId || rememberedProject(user.id));
  const [dialog, setDialog] = useState(null); // { kind: 'rename' | 'delete', session }
  const [sideOpen, setSideOpen] = useState(false);
  const [focusKey, setFocusKey] = useState(0);
  const [draft, setDraft] = useState(null); // { text, key }: a message put back in the composer (Edit)
  const projects = useProjects();
  const project = projects.projects?.find((p) => p.id === projectId) ?? null;
  const sessions = useSessions(project?.id ?? null);
  store.onSessionsChanged = sessions.reload;

  // A remembered or linked project that is gone (deleted, no longer shared) is forgotten.
  useEffect(() => {
    if (projects.projects && projectId && !project) {
      pendingSession.current = null;
      setProjectId(null);
      rememberProject(user.id, null);
    }
  }, [projects.projects, projectId]);

  // A project is picked (or restored): a new chat there, unless a linked chat waits for the project's list.
  useEffect(() => {
    if (!project) return;
    rememberProject(user.id, project.id);
    // A pick already opened its new chat (synchronously, so a mode chosen right after it is kept).
    if (!pendingSession.current && store.state.projectId !== project.id) store.newChat(project.id);
  }, [project?.id]);

  useEffect(() => {
    const wanted = pendingSession.current;
    if (!wanted || !project || !sessions.sessions) return;
    pendingSession.current = null;
    const entry = sessions.sessions.find((s) => s.id === wanted);
    if (entry) store.open(project.id, entry);
    else store.newChat(project.id);
  }, [sessions.sessions]);

  useEffect(() => {
    if (!pendingSession.current) writeUrl(state.projectId, state.sessionId);
  }, [state.projectId, state.sessionId]);

  const loadOlder = useMemo(() => () => store.loadOlder(), [store]);
  const onResend = useMemo(() => (text) => store.send(text), [store]);
  const onEdit = useMemo(() => (text) => setDraft({ text, key: Date.now() }), []);
  // A new chat's settings stay with it until its first message; an open chat's are saved (and its mode followed).
  const onSettingsSaved = (session) => {
    if (!store.state.sessionId) return store.setNewChatSettings(session);
    store.setPermissionMode(session.permissionMode);
    sessions.reload?.();
  };
  const running = state.turns.some(isRunning);
  const stopping = state.turns.some((t) => t.stopping && isRunning(t));
  const on = {
    closeSide: () => setSideOpen(false),
    pickProject: (id) => {
      pendingSession.current = null;
      if (id) store.newChat(id);
      setProjectId(id);
      setSideOpen(false);
    },
    createProject: async (name) => {
      const created = await projects.create(name);
      pendingSession.current = null;
      store.newChat(created.id);
      setProjectId(created.id);
      setSideOpen(false);
    },
    newChat: () => {
      store.newChat(project.id);
      setSideOpen(false);
      setFocusKey((k) => k + 1);
    },
    openSession: (entry) => {
      if (entry.id !== state.sessionId) store.open(project.id, entry);
      setSideOpen(false);
      setFocusKey((k) => k + 1);
    },
    renameSession: (session) => setDialog({ kind: 'rename', session }),
    deleteSession: (session) => setDialog({ kind: 'delete', session }),
  };
  const rename = async (id, title) => {
    const renamed = await sessions.rename(id, title);
    if (store.state.sessionId === id) store.setTitle(renamed.title);
  };
  const remove = async (id) => {
    await sessions.remove(id);
    if (store.state.sessionId === id) store.newChat(project.id);
  };

  return html`
    <div class="chat" data-side=${sideOpen ? 'open' : 'closed'} data-project=${project ? 'picked' : 'none'}>
      <${ChatSidebar} open=${sideOpen} projects=${projects} project=${project} sessions=${sessions}
        currentSessionId=${state.sessionId} on=${on} />
      <section class="chat-main" aria-labelledby="chat-title">
        <${ConversationHead} state=${state} project=${project} sideOpen=${sideOpen} toggleSide=${() => setSideOpen(!sideOpen)}
          onSettingsSaved=${onSettingsSaved} />
        <${ConnectionBanner} />
        <${LimitedModeBanner} user=${user} compact />
        ${state.loadError && html`
          <div class="callout callout-bad callout-row chat-load-error" role="alert">
            <p>Could not load this chat: ${state.loadError}</p>
            <button type="button" class="button button-small button-secondary" onClick=${() => store.reload()}>Try again</button>
          </div>`}
        <${ChatTranscript} state=${state} busy=${running} loadOlder=${loadOlder}
          onAnswer=${(turn, id, answer) => store.answer(turn, id, answer)}
          onRetry=${(key) => store.retry(key)} onDiscard=${(key) => store.discard(key)} onResend=${onResend} onEdit=${onEdit}>
          <${Welcome} state=${state} project=${project} />
        <//>
        <${ChatComposer} reason=${composerReason(projects, project)} isNew=${!state.sessionId} mode=${state.permissionMode}
          onMode=${(mode) => store.setPermissionMode(mode)} running=${running} stopping=${stopping}
          onSend=${(text) => store.send(text)} onStop=${() => store.abort()} onReady=${() => store.prewarm()}
          focusKey=${`${focusKey}:${project?.id}`} draft=${draft} />
      </section>
      ${dialog?.kind === 'rename' && html`<${RenameSessionDialog} session=${dialog.session} onRename=${rename}
        onClose=${() => setDialog(null)} />`}
      ${dialog?.kind === 'delete' && html`<${DeleteSessionDialog} session=${dialog.session} onDelete=${remove}
        onClose=${() => setDialog(null)} />`}
    </div>
  `;
}
