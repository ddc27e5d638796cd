"""Runtime basics every part uses: command line, configuration and its schema, credentials checks, errors, logging, retry/poll helper and the shared Box pacer, transfer deadlines."""
