"""Projects: a workspace (an S3 prefix; a local copy on the runner) and who may work in it."""
