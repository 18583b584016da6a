"""Cloud drives: connections, their sealed credentials and their mounts in projects (workflow 9's tables).

The OAuth flow and the syncs are still to come; today this domain only removes what a deleted user or project
leaves behind.
"""

from __future__ import annotations

from shared.db import delete_all
from shared.models.cloud import CloudConnection, CloudCredential, CloudMount


def delete_for_user(user_id: str) -> int:
    """A user's connections, with their credentials and every mount that uses them."""
    count = 0
    for connection in list(CloudConnection.by_user.query(user_id)):
        delete_all(CloudMount, CloudMount.by_connection.query(connection.connection_id))
        delete_all(CloudCredential, [CloudCredential(connection.connection_id)])
        count += delete_all(CloudConnection, [connection])
    return count


def delete_for_project(project_id: str) -> int:
    return delete_all(CloudMount, CloudMount.by_project.query(project_id))
