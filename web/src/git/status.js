// What a repository's status means to a person: the changed files in two groups (what the next commit holds, and
// what it does not yet), each file's state in a word, and how far the branch is from its remote.

/** The words for each state a file can be in (docs/git.md, Status). */
export const FILE_STATES = {
  added: 'Added',
  modified: 'Modified',
  deleted: 'Deleted',
  renamed: 'Renamed',
  untracked: 'Untracked',
  conflicted: 'Conflicted',
};

/**
 * `{ staged, changes }`: a file with staged changes is in `staged` (state = its staged kind); a file with changes
 * not staged, untracked or conflicted is in `changes`. A file changed again after staging is in both.
 */
export function groupFiles(files = []) {
  const staged = [];
  const changes = [];
  for (const file of files) {
    if (file.conflicted) {
      changes.push({ ...file, state: 'conflicted', inStaged: false });
      continue;
    }
    if (file.staged) staged.push({ ...file, state: file.staged, inStaged: true });
    if (file.unstaged) changes.push({ ...file, state: file.unstaged, inStaged: false });
  }
  const byPath = (a, b) => a.path.localeCompare(b.path);
  return { staged: staged.sort(byPath), changes: changes.sort(byPath) };
}

/** The file's name and the folder it is in ('' at the top), for a row that shows the name first. */
export function splitPath(path) {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { name: path, folder: '' } : { name: path.slice(slash + 1), folder: path.slice(0, slash) };
}

const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

/** "2 commits to push · 1 to pull", "Up to date with origin/main", or what is missing to compare. */
export function syncSummary(status) {
  if (!status?.upstream) {
    return status?.remotes?.length ? 'Not pushed yet: Push publishes this branch.' : 'No remote yet: add one to push and pull.';
  }
  const { ahead = 0, behind = 0 } = status;
  if (!ahead && !behind) return `Up to date with ${status.upstream}.`;
  const parts = [];
  if (ahead) parts.push(`${plural(ahead, 'commit', 'commits')} to push`);
  if (behind) parts.push(`${plural(behind, 'commit', 'commits')} to pull`);
  return `${parts.join(' · ')} (${status.upstream}).`;
}

/** What a finished push, pull or fetch did, in a sentence. */
export function syncOutcome(op, answer) {
  if (op === 'push') {
    if (answer?.pushed === false) return 'Nothing to push: the remote already has these commits.';
    return `Pushed ${answer?.branch || 'the branch'} to ${answer?.remote || 'the remote'}.`;
  }
  if (op === 'pull') {
    return {
      up_to_date: 'Already up to date: the remote has nothing new.',
      fast_forward: 'Pulled the remote’s commits.',
      merged: 'Pulled and merged the remote’s commits.',
    }[answer?.outcome] || 'Pulled.';
  }
  const behind = answer?.status?.behind ?? 0;
  return behind ? `Fetched: ${plural(behind, 'commit', 'commits')} to pull.` : 'Fetched: nothing new on the remote.';
}
