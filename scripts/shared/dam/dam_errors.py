"""How the DAM says what went wrong: the message and request id of an OTMM or OAuth2 error answer, read the same
way by every call (dam_client's requests, dam_transfer's import POST), and the fix for an mTLS endpoint that drops
the connection.
"""

MTLS_REFUSED_FIX = ("mTLS connection refused: IP not whitelisted or wrong base URL. Check DAM_MTLS_BASE_URL uses "
                    "the correct mTLS endpoint and verify IP is whitelisted")


def describe_error(response):
    """(message, request id) from an OTMM ``exception_body`` or an OAuth2 error body."""
    message = None
    try:
        body = response.json()
        message = ((body.get("exception_body") or {}).get("message") or body.get("error_description")
                   or body.get("error"))
    except ValueError:
        pass
    if not message:
        message = (response.text or response.reason or "")[:200].strip() or "no message"
    return message, response.headers.get("X-Request-Id") or response.headers.get("X-Correlation-Id")

