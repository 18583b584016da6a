"""Cloud drives (workflow 9, docs/drives.md): providers, connections, their sealed credentials, and mounts.

    providers.py     cloud_providers: what an admin configured (an OAuth app, a WebDAV URL, an S3 bucket)
    connections.py   cloud_connections: an account on a drive, pending → authorized (→ error); delete_for_user
    credentials.py   cloud_credentials: each connection's secret, sealed; versioned writes
    oauth.py         the sign-in: start (state, PKCE) and callback (code → tokens); popup.py: the callback's page
    remote.py        access_for_mount: a mount's drive for the runner, its token refreshed (shared.drives.access)
    mounts.py        cloud_mounts as the routes see them, path rules, read-only checks; delete_for_project
    syncs.py         a mount's sync state (begin, report) and the tick's periodic syncs; profiles.py: intervals

Import-light on purpose: the tick imports `syncs`, and the tick loads no pydantic.
"""
