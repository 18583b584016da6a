"""The Git operations of workflow 13 on one repository and work tree; each returns the plain dict of its view.

Results are shaped like shared.git.views (snake_case); failures a person can act on raise GitError with the
code docs/git.md lists. Every path goes to git literally (GIT_LITERAL_PATHSPECS), after `--`.
"""

from __future__ import annotations

import re
from typing import Any

from runner.git.command import Git, GitCall, Progress, last_line
from shared.git.errors import GitError

MAX_FILES = 2000
LOOSE_OBJECTS_LIMIT = 64
PACKS_LIMIT = 16
DIFF_LIMIT = 200 * 1024
EXCLUDED = (".sasha/",)  # the product's own run logs are not the project's content
_FIELD, _RECORD = "\x1f", "\x1e"
_COMMIT_FORMAT = "%H%x1f%h%x1f%an%x1f%ae%x1f%aI%x1f%P%x1f%s%x1f%b%x1e"
_STAGED = {"A": "added", "M": "modified", "T": "modified", "D": "deleted", "R": "renamed", "C": "added"}
_UNSTAGED = {"M": "modified", "T": "modified", "D": "deleted"}
_OVERWRITTEN = re.compile(r"would be overwritten by (?:checkout|merge|switch)")


class Repository:
    def __init__(self, git: Git) -> None:
        self.git = git
        self.git_dir = git.git_dir

    # State

    @property
    def initialized(self) -> bool:
        return (self.git_dir / "HEAD").is_file()

    @property
    def merging(self) -> bool:
        return (self.git_dir / "MERGE_HEAD").is_file()

    def head(self) -> str | None:
        call = self.git.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        return call.text.strip() if call.returncode == 0 else None

    def current_branch(self) -> str | None:
        call = self.git.run("symbolic-ref", "--short", "-q", "HEAD", check=False)
        if call.returncode != 0:
            return None  # detached
        return call.text.strip() or None

    def require(self) -> None:
        if not self.initialized:
            raise GitError("not_initialized", "This project has no Git repository yet. Start one with Initialize.")

    def repair(self) -> None:
        """Folders a repository needs that the S3 mirror cannot hold when they are empty."""
        if self.initialized:
            for folder in ("refs/heads", "refs/tags", "objects/info", "objects/pack", "info"):
                (self.git_dir / folder).mkdir(parents=True, exist_ok=True)
            exclude = self.git_dir / "info" / "exclude"
            if not exclude.is_file() or any(line not in exclude.read_text() for line in EXCLUDED):
                exclude.write_text("".join(f"{line}\n" for line in EXCLUDED))

    # Reading

    def status(self) -> dict[str, Any]:
        if not self.initialized:
            return {"initialized": False}
        call = self.git.run(
            "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--ignore-submodules=all"
        )
        result: dict[str, Any] = {"initialized": True, "merging": self.merging, "ahead": 0, "behind": 0}
        files: list[dict[str, Any]] = []
        conflicts: list[str] = []
        tokens = call.stdout.split(b"\0")
        index = 0
        while index < len(tokens):
            token = tokens[index].decode("utf-8", "replace")
            index += 1
            if not token:
                continue
            kind = token[0]
            if kind == "#":
                _branch_header(token, result)
            elif kind == "1":
                xy, path = token.split(" ", 8)[1], token.split(" ", 8)[8]
                files.append(_changed(path, xy))
            elif kind == "2":
                parts = token.split(" ", 9)
                original = tokens[index].decode("utf-8", "replace")
                index += 1
                files.append(_changed(parts[9], parts[1], original))
            elif kind == "u":
                path = token.split(" ", 10)[10]
                conflicts.append(path)
                files.append({"path": path, "conflicted": True})
            elif kind == "?":
                files.append({"path": token[2:], "unstaged": "untracked"})
        files.sort(key=lambda entry: entry["path"])
        result |= {"files": files[:MAX_FILES], "truncated": len(files) > MAX_FILES, "conflicts": sorted(conflicts)}
        return result

    def diff(self, path: str, staged: bool) -> dict[str, Any]:
        self.require()
        conflicted = bool(self.git.run("ls-files", "-u", "--", path).stdout)
        tracked = bool(self.git.run("ls-files", "--", path).stdout) or bool(
            self.head() and self.git.run("ls-tree", "--name-only", "HEAD", "--", path).stdout
        )
        common = ("--no-color", "--no-ext-diff", "--no-textconv")
        if not tracked and not staged:
            if not (self.git.work_tree / path).is_file():
                raise GitError("invalid_path", f"'{path}' has no changes to show.")
            call = self.git.run("diff", *common, "--no-index", "--", "/dev/null", path, limit=DIFF_LIMIT,
                                ok_codes=(0, 1))  # fmt: skip
        else:
            call = self.git.run("diff", *common, "-M", *(("--cached",) if staged else ()), "--", path,
                                limit=DIFF_LIMIT)  # fmt: skip
        text = call.text
        binary = bool(re.search(r"^Binary files .* differ$", text, re.MULTILINE))
        return {"path": path, "staged": staged, "binary": binary, "truncated": call.truncated,
                "conflicted": conflicted, "diff": "" if binary else text}  # fmt: skip

    def log(self, limit: int, skip: int) -> dict[str, Any]:
        self.require()
        if self.head() is None:
            return {"commits": [], "more": False}
        call = self.git.run("log", f"--format={_COMMIT_FORMAT}", f"--max-count={limit + 1}", f"--skip={skip}", "HEAD")
        commits = _commits(call.text)
        return {"commits": commits[:limit], "more": len(commits) > limit}

    def branches(self) -> dict[str, Any]:
        self.require()
        current = self.current_branch()
        call = self.git.run(
            "for-each-ref",
            "--format=%(refname:short)%1f%(objectname)%1f%(upstream:short)%1f%(contents:subject)%1e",
            "refs/heads/",
        )
        branches = []
        for record in call.text.split(_RECORD):
            if not record.strip():
                continue
            name, sha, upstream, subject = [*record.strip("\n").split(_FIELD), "", "", ""][:4]
            branches.append({"name": name, "current": name == current, "sha": sha, "upstream": upstream or None,
                             "subject": subject or None})  # fmt: skip
        if current and not any(branch["current"] for branch in branches):
            branches.insert(0, {"name": current, "current": True})  # no commit yet
        return {"current": current, "branches": branches}

    def staged_diff(self, limit: int) -> tuple[str, str, bool]:
        """The staged changes as a summary and a unified diff (cut at `limit` bytes), for a commit message."""
        self.require()
        self._something_staged()
        stat = self.git.run("diff", "--cached", "--no-color", "--stat=100", limit=limit).text
        call = self.git.run("diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv", "-M", limit=limit)
        return stat, call.text, call.truncated

    # Changing

    def init(self, branch: str) -> dict[str, Any]:
        if not self.initialized:
            self.git_dir.mkdir(parents=True, exist_ok=True)
            self._branch_name(branch)
            self.git.run("init", "-q", "--template=", f"--initial-branch={branch}")
            self.git.run("config", "core.bare", "false")
            self.repair()
        return self.status()

    def stage(self, paths: list[str], everything: bool) -> dict[str, Any]:
        self.require()
        targets = ["."] if everything else paths
        call = self.git.run("add", "-A", "--", *targets, check=False)
        if call.returncode != 0:
            if "did not match any files" in call.stderr:
                raise GitError("invalid_path", "Nothing to stage there: the file is neither in the project nor "
                               "in the repository.")  # fmt: skip
            raise GitError("git_failed", f"Staging failed: {last_line(call.stderr)}")
        return self.status()

    def unstage(self, paths: list[str], everything: bool) -> dict[str, Any]:
        self.require()
        targets = ["."] if everything else paths
        if self.head() is None:
            self.git.run("rm", "--cached", "-r", "-q", "--ignore-unmatch", "--", *targets)
        else:
            self.git.run("reset", "-q", "HEAD", "--", *targets, ok_codes=(0, 1))
        return self.status()

    def commit(self, message: str) -> dict[str, Any]:
        self.require()
        if self.merging:
            self._no_conflicts_left()
        else:
            self._something_staged()
        call = self.git.run("commit", "-q", "--no-verify", "--cleanup=strip", "-F", "-",
                            input_bytes=message.encode(), check=False)  # fmt: skip
        if call.returncode != 0:
            if "empty commit message" in call.stderr:
                raise GitError("invalid_request", "The commit message is empty (lines starting with # are ignored).")
            raise GitError("git_failed", f"The commit failed: {last_line(call.stderr)}")
        head = self.git.run("log", "-1", f"--format={_COMMIT_FORMAT}", "HEAD")
        return {"commit": _commits(head.text)[0], "status": self.status()}

    def merge_abort(self) -> dict[str, Any]:
        self.require()
        if not self.merging:
            raise GitError("no_merge", "There is no merge to abort.")
        self.git.run("merge", "--abort")
        return self.status()

    def create_branch(self, name: str, checkout: bool) -> dict[str, Any]:
        self.require()
        self._branch_name(name)
        if self.head() is None:
            raise GitError("no_commits", "Commit once before creating branches.")
        if self.git.run("show-ref", "--verify", "-q", f"refs/heads/{name}", check=False).returncode == 0:
            raise GitError("branch_exists", f"There is already a branch named '{name}'.")
        if checkout:
            self._not_merging()
            self.git.run("switch", "-q", "-c", name)
        else:
            self.git.run("branch", name)
        return self.branches()

    def checkout(self, branch: str) -> dict[str, Any]:
        self.require()
        self._branch_name(branch)
        self._not_merging()
        local = self.git.run("show-ref", "--verify", "-q", f"refs/heads/{branch}", check=False).returncode == 0
        remote = self.git.run("for-each-ref", "--format=%(refname:short)", f"refs/remotes/*/{branch}").text.split()
        if not local and not remote:
            raise GitError("unknown_branch", f"There is no branch named '{branch}'.")
        args = ("switch", "-q", branch) if local else ("switch", "-q", "--track", remote[0])
        call = self.git.run(*args, check=False)
        if call.returncode != 0:
            self._blocked(call, "Switching branches")
            raise GitError("git_failed", f"Switching failed: {last_line(call.stderr)}")
        return self.status()

    # Remotes

    def push(self, remote: str, config: dict[str, str], progress: Progress | None) -> dict[str, Any]:
        self.require()
        branch = self._branch_for_remote()
        tracking = f"refs/remotes/{remote}/{branch}"
        before = self._sha(tracking)
        call = self.git.run("push", "--progress", "--set-upstream", remote, f"refs/heads/{branch}:refs/heads/{branch}",
                            check=False, config=config, progress=progress)  # fmt: skip
        if call.returncode != 0:
            raise network_error(call.stderr, remote, pushing=True)
        return {"pushed": self._sha(tracking) != before, "remote": remote, "branch": branch, "status": self.status()}

    def fetch(self, remote: str, config: dict[str, str], progress: Progress | None) -> dict[str, Any]:
        self.require()
        self._fetch(remote, config, progress)
        return {"status": self.status()}

    def pull(self, remote: str, config: dict[str, str], progress: Progress | None) -> dict[str, Any]:
        self.require()
        self._not_merging()
        branch = self._branch_for_remote(need_commit=False)
        self._fetch(remote, config, progress)
        target = self._sha(f"refs/remotes/{remote}/{branch}")
        if target is None:
            raise GitError("no_upstream", f"The remote '{remote}' has no branch '{branch}' yet: push it first.")
        before = self.head()
        call = self.git.run("merge", "--no-edit", "--no-verify", "--allow-unrelated-histories",
                            f"{remote}/{branch}", check=False)  # fmt: skip
        if call.returncode != 0:
            self._blocked(call, "Pulling")
            conflicts = self._conflicts()
            if conflicts:
                raise GitError(
                    "merge_conflict",
                    f"Pulling '{branch}' from {remote} stopped on conflicts in {_count(conflicts)}: "
                    f"{', '.join(conflicts[:5])}. Resolve them and commit, or abort the merge.",
                    {"conflicts": conflicts},
                )
            raise GitError("git_failed", f"The merge failed: {last_line(call.stderr)}")
        self.git.run("branch", f"--set-upstream-to={remote}/{branch}", branch, check=False)
        after = self.head()
        outcome = "up_to_date" if after == before else "fast_forward" if after == target else "merged"
        return {"outcome": outcome, "status": self.status()}

    def set_remote(self, name: str, url: str) -> None:
        self.require()
        self.git.run("config", f"remote.{name}.url", url)
        self.git.run("config", f"remote.{name}.fetch", f"+refs/heads/*:refs/remotes/{name}/*")

    def housekeeping(self) -> None:
        """Pack loose objects, so the S3 mirror holds a few packs rather than a file per object (1,000 files: 1,000
        objects after the first commit), and merge packs when they pile up."""
        if not self.initialized:
            return
        counts = dict(line.split(": ", 1) for line in self.git.run("count-objects", "-v").text.splitlines())
        if int(counts.get("count", 0)) > LOOSE_OBJECTS_LIMIT:
            self.git.run("repack", "-d", "-q", check=False)
        if int(counts.get("packs", 0)) > PACKS_LIMIT:
            self.git.run("repack", "-a", "-d", "-q", check=False)

    # Helpers

    def _fetch(self, remote: str, config: dict[str, str], progress: Progress | None) -> None:
        call = self.git.run("fetch", "--progress", "--prune", remote, check=False, config=config, progress=progress)
        if call.returncode != 0:
            raise network_error(call.stderr, remote, pushing=False)

    def _sha(self, ref: str) -> str | None:
        call = self.git.run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False)
        return call.text.strip() if call.returncode == 0 else None

    def _branch_for_remote(self, *, need_commit: bool = True) -> str:
        branch = self.current_branch()
        if branch is None:
            raise GitError("unknown_branch", "No branch is checked out; switch to a branch first.")
        if need_commit and self.head() is None:
            raise GitError("no_commits", "Commit something before pushing.")
        return branch

    def _branch_name(self, name: str) -> None:
        if self.git.run("check-ref-format", "--branch", name, check=False).returncode != 0:
            raise GitError("invalid_branch", f"'{name}' is not a valid branch name.")

    def _something_staged(self) -> None:
        if self.git.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            raise GitError("nothing_staged", "Nothing is staged: stage the changes to commit first.")

    def _not_merging(self) -> None:
        if self.merging:
            raise GitError(
                "merge_in_progress", "A merge is in progress: resolve its conflicts and commit, or abort it."
            )

    def _conflicts(self) -> list[str]:
        call = self.git.run("diff", "--name-only", "--diff-filter=U", "-z")
        return sorted({name.decode("utf-8", "replace") for name in call.stdout.split(b"\0") if name})

    def _no_conflicts_left(self) -> None:
        conflicts = self._conflicts()
        if conflicts:
            raise GitError("merge_conflict", f"Resolve the conflicts in {_count(conflicts)} and stage them first: "
                           f"{', '.join(conflicts[:5])}.", {"conflicts": conflicts})  # fmt: skip

    def _blocked(self, call: GitCall, doing: str) -> None:
        """Raise `checkout_blocked` / `local_changes` when git refused to overwrite files."""
        if not _OVERWRITTEN.search(call.stderr):
            return
        paths = [line.strip() for line in call.stderr.splitlines() if line.startswith(("\t", "    "))]
        listed = f": {', '.join(paths[:5])}" if paths else ""
        code = "checkout_blocked" if doing.startswith("Switching") else "local_changes"
        raise GitError(code, f"{doing} would overwrite changes that are not committed{listed}. Commit them (or "
                       "remove them) first.", {"paths": paths})  # fmt: skip


def network_error(stderr: str, remote: str, *, pushing: bool) -> GitError:
    """What went wrong talking to a remote, for a person; the remote's own words where it gave a reason."""
    said = [line[len("remote: ") :].strip() for line in stderr.splitlines() if line.startswith("remote: ")]
    said = [line for line in said if line and not re.match(r"^[A-Za-z ]+:\s+\d+%", line)]
    if "[rejected]" in stderr and ("fetch first" in stderr or "non-fast-forward" in stderr):
        return GitError("push_rejected", f"The push was refused: {remote} has commits this branch does not have. "
                        "Pull first, then push again.")  # fmt: skip
    if "hook declined" in stderr or "[remote rejected]" in stderr:
        reason = " ".join(said[-3:]) or last_line(stderr)
        return GitError("hook_rejected", f"{remote} refused the push: {reason}")
    if any(sign in stderr for sign in ("Authentication failed", "could not read Username", "could not read Password",
                                       "returned error: 401", "returned error: 403")):  # fmt: skip
        return GitError("remote_auth_failed", f"{remote} refused the credentials: check the remote's user name and "
                        "token (or password), and that it may " + ("push." if pushing else "read."))  # fmt: skip
    if "returned error: 404" in stderr or re.search(r"repository '.*' not found", stderr):
        return GitError("remote_not_found", f"There is no repository at {remote}'s URL: check the URL.")
    unreachable = (
        "Could not resolve host", "Failed to connect", "Couldn't connect", "Connection refused", "timed out",
        "Operation too slow", "SSL", "Empty reply", "RPC failed", "unable to access",
    )  # fmt: skip
    if any(sign in stderr for sign in unreachable):
        return GitError("remote_unreachable", f"{remote} could not be reached: {last_line(stderr)}")
    if "does not appear to be a git repository" in stderr:
        return GitError("no_remote", f"This project has no remote named '{remote}'.")
    return GitError("git_failed", f"Git could not {'push to' if pushing else 'fetch from'} {remote}: "
                    f"{last_line(stderr)}")  # fmt: skip


def _branch_header(token: str, result: dict[str, Any]) -> None:
    key, _, value = token[2:].partition(" ")
    if key == "branch.oid":
        result["head"] = None if value == "(initial)" else value
    elif key == "branch.head":
        result["branch"] = None if value == "(detached)" else value
    elif key == "branch.upstream":
        result["upstream"] = value
    elif key == "branch.ab":
        ahead, behind = value.split()
        result["ahead"], result["behind"] = int(ahead.lstrip("+")), abs(int(behind))


def _changed(path: str, xy: str, original: str | None = None) -> dict[str, Any]:
    return {"path": path, "orig_path": original, "staged": _STAGED.get(xy[0]), "unstaged": _UNSTAGED.get(xy[1])}


def _commits(text: str) -> list[dict[str, Any]]:
    commits = []
    for raw in text.split(_RECORD):
        record = raw.lstrip("\n")
        if not record:
            continue
        sha, short, name, email, date, parents, subject, body = [*record.split(_FIELD), *[""] * 8][:8]
        commits.append({"sha": sha, "short_sha": short, "author_name": name, "author_email": email, "date": date,
                        "parents": parents.split(), "subject": subject, "body": body.strip()})  # fmt: skip
    return commits


def _count(paths: list[str]) -> str:
    return "1 file" if len(paths) == 1 else f"{len(paths)} files"
