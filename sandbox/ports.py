"""A free loopback port, for the stand-ins, the embedded PostgreSQL and the tests (a port nothing listens on).

A module of its own, with nothing but the standard library: tests that run under the production interpreter
(make test-py36, which has no werkzeug) need it too."""
import socket


def free_port():
    """A free TCP port on the loopback interface."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
