// The branch's recent commits, newest first: subject, author, when, short sha; "Load more" pages further back.
import { useEffect, useRef, useState } from 'preact/hooks';
import { DateText } from '../format.js';
import { gitApi } from '../git/api.js';
import { html } from '../html.js';
import { Icon } from '../icons.js';

const PAGE = 20;

/** `{ commits (null while loading), more, error, loadMore(), loadingMore }`, from the top when `revision` changes. */
function useLog(projectId, revision) {
  const [state, setState] = useState({ commits: null, more: false, error: null, loadingMore: false });
  const serial = useRef(0);
  useEffect(() => {
    const mine = ++serial.current;
    setState((s) => ({ ...s, error: null }));
    gitApi.log(projectId, { limit: PAGE, skip: 0 }).then(
      (page) => mine === serial.current && setState({ commits: page.commits || [], more: Boolean(page.more), error: null, loadingMore: false }),
      (err) => mine === serial.current && setState({ commits: null, more: false, error: err.message, loadingMore: false }),
    );
  }, [projectId, revision]);
  const loadMore = async () => {
    const mine = serial.current;
    setState((s) => ({ ...s, loadingMore: true, error: null }));
    try {
      const page = await gitApi.log(projectId, { limit: PAGE, skip: state.commits?.length || 0 });
      if (mine === serial.current) {
        setState((s) => ({ ...s, commits: [...(s.commits || []), ...(page.commits || [])], more: Boolean(page.more), loadingMore: false }));
      }
    } catch (err) {
      if (mine === serial.current) setState((s) => ({ ...s, error: err.message, loadingMore: false }));
    }
  };
  return { ...state, loadMore };
}

function CommitRow({ commit }) {
  return html`
    <li class="git-commit-row" data-sha=${commit.sha}>
      <p class="git-commit-subject">${commit.subject || html`<span class="muted">(no message)</span>`}</p>
      <p class="git-commit-meta">
        <span class="git-commit-author">${commit.authorName || commit.authorEmail || 'Unknown'}</span>
        <span aria-hidden="true"> · </span><${DateText} value=${commit.date} ago />
        <span aria-hidden="true"> · </span><code class="git-sha" title=${commit.sha}>${commit.shortSha}</code>
      </p>
    </li>
  `;
}

export function GitLog({ projectId, revision }) {
  const { commits, more, error, loadMore, loadingMore } = useLog(projectId, revision);
  return html`
    <section class="card git-log" aria-labelledby="git-log-title">
      <div class="card-header">
        <h2 id="git-log-title"><${Icon} name="schedules" size=${20} /> History</h2>
      </div>
      ${error && html`<p class="callout callout-bad" role="alert">Could not read the history: ${error}</p>`}
      ${!commits && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> Loading the history…</p>`}
      ${commits && !commits.length && html`<p class="card-empty">No commits yet: the first one you make shows here.</p>`}
      ${commits?.length > 0 && html`
        <ol class="git-commits" aria-labelledby="git-log-title">
          ${commits.map((commit) => html`<${CommitRow} key=${commit.sha} commit=${commit} />`)}
        </ol>`}
      ${more && html`
        <div class="more">
          <button type="button" class="button button-small button-secondary" disabled=${loadingMore} onClick=${loadMore}>
            ${loadingMore && html`<span class="spinner" aria-hidden="true"></span>`}${loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>`}
    </section>
  `;
}
