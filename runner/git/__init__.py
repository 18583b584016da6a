"""Git on the runner: a project's repository beside its files, mirrored in S3, run with a locked-down git."""

from runner.git.command import Author, Git, GitCall
from runner.git.repository import Repository
from runner.git.storage import ProjectRepository

__all__ = ["Author", "Git", "GitCall", "ProjectRepository", "Repository"]
