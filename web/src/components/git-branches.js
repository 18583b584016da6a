// The branch picker: the current branch, the others to switch to, and a new branch made from here (switched to at
// once). Switching with changes that would be overwritten is refused by the server; its message shows as a problem.
import { useEffect, useRef, useState } from 'preact/hooks';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';

/** `{ branches (null while loading), error }`, read again when `key` changes. */
function useBranches(projectId, key) {
  const [state, setState] = useState({ branches: null, error: null });
  useEffect(() => {
    let live = true;
    gitApi.branches(projectId).then((answer) => live && setState({ branches: answer.branches || [], error: null }),
      (err) => live && setState({ branches: null, error: err.message }));
    return () => (live = false);
  }, [projectId, key]);
  return state;
}

function NewBranchForm({ busy, onCreate, onCancel }) {
  const input = useRef(null);
  const [name, setName] = useState('');
  useEffect(() => input.current?.focus(), []);
  const submit = (event) => {
    event.preventDefault();
    if (name.trim()) onCreate(name.trim());
  };
  return html`
    <form class="git-new-branch" onSubmit=${submit}>
      <label for="git-new-branch">New branch name</label>
      <div class="field-row">
        <input id="git-new-branch" ref=${input} class="input" value=${name} autocomplete="off" spellcheck=${false}
          autocapitalize="none" placeholder="e.g. draft-report" maxlength="200" onInput=${(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="button button-secondary" disabled=${busy || !name.trim()}>Create</button>
        <button type="button" class="button button-secondary" onClick=${onCancel}>Cancel</button>
      </div>
      <p class="hint">Made from the current commit, and switched to: your changes come along.</p>
    </form>
  `;
}

/** `git`: useGit(); `onChanged()` after a switch or a new branch (the log reloads). */
export function GitBranches({ projectId, status, canWrite, git, onChanged }) {
  const { branches, error } = useBranches(projectId, `${status.branch}:${status.head}`);
  const [picked, setPicked] = useState(null);
  const [creating, setCreating] = useState(false);
  const busy = Boolean(git.busy);
  const current = status.branch || '';
  const names = [...new Set([current, ...(branches || []).map((b) => b.name)].filter(Boolean))];
  const target = picked && picked !== current ? picked : null;

  const checkout = async () => {
    const answer = await git.run('checkout', `Switching to ${target}…`, (o) => gitApi.checkout(projectId, target, o),
      () => `Switched to ${target}.`);
    setPicked(null);
    if (answer) onChanged?.();
  };
  const create = async (name) => {
    const answer = await git.run('branch', `Creating ${name}…`, (o) => gitApi.createBranch(projectId, name, o),
      () => `Created the branch ${name} and switched to it.`);
    if (!answer) return;
    setCreating(false);
    git.reload();
    onChanged?.();
  };

  return html`
    <div class="git-branches">
      <div class="git-branch-row">
        <label for="git-branch">Branch</label>
        ${canWrite
          ? html`
            <select id="git-branch" class="input git-branch-select" value=${picked ?? current} disabled=${busy}
              onChange=${(e) => setPicked(e.currentTarget.value)}>
              ${names.map((name) => html`<option key=${name} value=${name}>${name}${name === current ? ' (current)' : ''}</option>`)}
            </select>
            ${target && html`<button type="button" class="button button-secondary" disabled=${busy} onClick=${checkout}>
              Switch to ${target}</button>`}
            ${status.head && html`<button type="button" class="button button-secondary" aria-expanded=${creating ? 'true' : 'false'}
              disabled=${busy && !creating} onClick=${() => setCreating(!creating)}>New branch</button>`}`
          : html`<output id="git-branch" class="git-branch-name">${current || 'none'}</output>`}
      </div>
      ${error && html`<p class="hint hint-bad">Could not list the branches: ${error}</p>`}
      ${creating && html`<${NewBranchForm} busy=${busy} onCreate=${create} onCancel=${() => setCreating(false)} />`}
    </div>
  `;
}
