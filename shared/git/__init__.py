"""Git for projects (workflow 13): each project's repository, its remotes, and the jobs that work on them."""
