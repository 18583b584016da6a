"""The runner: an SQS consumer that runs typed jobs (Claude CLI, git, rclone, ...) on Fargate or locally."""
