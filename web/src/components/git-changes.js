// The changed files in two groups: "Staged" (what the next commit holds) and "Changes" (edited, new or conflicted
// files not staged yet). Each row shows its state, opens its diff when clicked, and stages or unstages it.
import { FILE_STATES, groupFiles, splitPath } from '../git/status.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

function FileRow({ file, selected, canWrite, busy, onSelect, onMove }) {
  const { name, folder } = splitPath(file.path);
  const action = file.inStaged ? 'Unstage' : 'Stage';
  return html`
    <li class="git-file" data-path=${file.path} data-state=${file.state} data-selected=${selected ? 'true' : 'false'}>
      <button type="button" class="git-file-open" aria-current=${selected ? 'true' : undefined} title=${file.path}
        onClick=${() => onSelect(file)}>
        <span class="git-file-name">${name}</span>
        ${folder && html`<span class="git-file-folder">${folder}/</span>`}
        ${file.origPath && html`<span class="git-file-folder">from ${file.origPath}</span>`}
        <span class="sr-only">: show the diff</span>
      </button>
      <span class="badge git-badge" data-state=${file.state}>${FILE_STATES[file.state] || file.state}</span>
      ${canWrite && html`
        <button type="button" class="button button-small button-secondary git-file-action" disabled=${busy}
          onClick=${() => onMove(file)}>${action}<span class="sr-only"> ${file.path}</span></button>`}
    </li>
  `;
}

function Group({ id, title, files, empty, selection, canWrite, busy, allLabel, onAll, onSelect, onMove }) {
  const isSelected = (file) => selection?.path === file.path && selection?.staged === file.inStaged;
  return html`
    <div class="git-group">
      <div class="git-group-header">
        <h3 id=${id}>${title} <span class="count">${files.length}</span></h3>
        ${canWrite && files.length > 0 && html`<button type="button" class="button button-small button-secondary"
          disabled=${busy} onClick=${onAll}>${allLabel}</button>`}
      </div>
      ${files.length
        ? html`<ul class="git-files" aria-labelledby=${id}>
            ${files.map((file) => html`<${FileRow} key=${`${file.inStaged}:${file.path}`} file=${file} selected=${isSelected(file)}
              canWrite=${canWrite} busy=${busy} onSelect=${onSelect} onMove=${onMove} />`)}
          </ul>`
        : html`<p class="git-group-empty muted">${empty}</p>`}
    </div>
  `;
}

/** `on`: `select(file)`, `stage(paths | 'all')`, `unstage(paths | 'all')`. */
export function GitChanges({ status, selection, canWrite, busy, on }) {
  const { staged, changes } = groupFiles(status.files);
  const move = (file) => (file.inStaged ? on.unstage([file.path]) : on.stage([file.path]));
  const common = { selection, canWrite, busy, onSelect: on.select, onMove: move };
  return html`
    <section class="card git-changes" aria-labelledby="git-changes-title">
      <div class="card-header">
        <h2 id="git-changes-title"><${Icon} name="files" size=${20} /> Changed files</h2>
      </div>
      ${status.truncated && html`<p class="callout callout-warn">More files changed than can be listed: only the first
        2,000 are here. “Stage all” still stages every one.</p>`}
      <${Group} id="git-staged-title" title="Staged" files=${staged} allLabel="Unstage all" onAll=${() => on.unstage('all')}
        empty="Nothing staged yet: stage the changes the next commit should hold." ...${common} />
      <${Group} id="git-unstaged-title" title="Changes" files=${changes} allLabel="Stage all" onAll=${() => on.stage('all')}
        empty=${staged.length ? 'Nothing else changed.' : 'No changes: the files are as in the last commit.'} ...${common} />
    </section>
  `;
}
