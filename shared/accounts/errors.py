"""Errors of the accounts package, each with the status and wording the API answers with."""

from shared.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    ValidationError,
)


class InvalidCredentialsError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("Invalid credentials", code="invalid_credentials")


class AccountDisabledError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__("This account is disabled. Ask an administrator to enable it.", code="account_disabled")


class RegistrationClosedError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__(
            "Registration is closed: an administrator already exists. Ask them for an account.",
            code="registration_closed",
        )


class SetupTokenError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__(
            "Creating the first account needs the setup token printed when this installation was deployed.",
            code="setup_token_required",
        )


class UsernameTakenError(ConflictError):
    def __init__(self, username: str) -> None:
        super().__init__(f"The username '{username}' is already taken.", code="username_taken")


class EmailTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("Another account already uses this email address.", code="email_taken")


class LastAdminError(ConflictError):
    def __init__(self) -> None:
        super().__init__(
            "At least one active administrator must remain; make someone else an administrator first.",
            code="last_admin",
        )


class UserNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("There is no such user.", code="user_not_found")


class InvalidResetTokenError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This reset link is invalid, has expired or was already used. Ask for a new one.",
            code="invalid_reset_token",
        )


class TooManyAttemptsError(RateLimitedError):
    """A rate limit was reached: which one (`limit` on the wire), and in how many seconds its window ends."""

    def __init__(self, retry_after: int, *, limit: str, what: str) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many {what}. Try again in {minutes} minute{'s' if minutes != 1 else ''}.", code="too_many_attempts"
        )
        self.retry_after = retry_after
        self.details = {"limit": limit, "retryAfter": retry_after}


class SessionRequiredError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__(
            "This needs a signed-in session: API keys cannot change accounts or administration. "
            "Sign in with your password and try again.",
            code="session_required",
        )


class KeyScopeError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__(
            "This API key is for integrations: it may start and read integration runs, run schedules and skills now "
            "and read their runs, and read projects and their files. For anything else, sign in, or use a key "
            "created with the scope 'full'.",
            code="insufficient_scope",
        )


class EmailNotConfiguredError(ServiceUnavailableError):
    def __init__(self) -> None:
        super().__init__(
            "Password reset by email is not configured here. Ask an administrator to reset your password.",
            code="email_not_configured",
        )


__all__ = [
    "AccountDisabledError",
    "EmailNotConfiguredError",
    "EmailTakenError",
    "InvalidCredentialsError",
    "InvalidResetTokenError",
    "KeyScopeError",
    "LastAdminError",
    "RegistrationClosedError",
    "SessionRequiredError",
    "SetupTokenError",
    "TooManyAttemptsError",
    "UserNotFoundError",
    "UsernameTakenError",
]
