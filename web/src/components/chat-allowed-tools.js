// "Allowed for this chat": the rules a person chose "Allow for this session" for (`Bash(npm test)`, `Write`), shown
// in the chat's settings with Remove. Read fresh when shown (a turn may have added one since the chat was opened);
// each Remove saves at once with PATCH /api/sessions/{id} {allowedTools: the others} (a PATCH can only remove).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';

/** A rule in words: `Bash(npm test)` → commands that start with "npm test"; `Write` → every use of Write. */
function ruleInWords(rule) {
  const command = /^Bash\((.+)\)$/.exec(rule);
  return command ? `Commands that start with “${command[1]}”` : `Every use of ${rule}`;
}

export function AllowedTools({ sessionId }) {
  const [rules, setRules] = useState(null);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(null);
  const list = useRef(null);
  const path = `/api/sessions/${encodeURIComponent(sessionId)}`;
  useEffect(() => {
    let live = true;
    api.get(path).then(
      (session) => live && setRules(session.allowedTools ?? []),
      (err) => live && setProblem(`Could not load what this chat allows: ${err.message}`),
    );
    return () => { live = false; };
  }, [path]);

  const remove = async (rule) => {
    setBusy(rule);
    setProblem(null);
    try {
      const session = await api.patch(path, { allowedTools: rules.filter((r) => r !== rule) });
      setRules(session.allowedTools ?? []);
      list.current?.focus(); // the button pressed is gone: the list keeps the focus
    } catch (err) {
      setProblem(err.message);
    } finally {
      setBusy(null);
    }
  };

  return html`
    <fieldset class="fieldset chat-allowed">
      <legend>Allowed for this chat</legend>
      <div ref=${list} tabindex="-1">
        ${rules === null && !problem && html`<p class="hint" role="status">Loading…</p>`}
        ${rules?.length === 0 && html`<p class="hint">Nothing yet. When Claude asks for permission, “Allow for this session” lets the same kind of request through in this chat without asking, and it is listed here.</p>`}
        ${rules?.length > 0 && html`
          <ul class="chat-allowed-tools">
            ${rules.map((rule) => html`
              <li key=${rule}>
                <span><code>${rule}</code> <span class="hint">${ruleInWords(rule)}</span></span>
                <button type="button" class="button button-small button-ghost-danger" aria-label=${`Remove ${rule}`}
                  disabled=${busy !== null} onClick=${() => remove(rule)}>${busy === rule ? 'Removing…' : 'Remove'}</button>
              </li>`)}
          </ul>`}
      </div>
      ${problem && html`<p class="form-error" role="alert">${problem}</p>`}
    </fieldset>
  `;
}
