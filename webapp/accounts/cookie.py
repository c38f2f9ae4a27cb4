"""The session cookie: Flask's signed cookie, not sent again with the answers that do not look
at the session (static files).

A permanent session's cookie is sent again with every answer. A stylesheet or an icon asked for
while a form was being sent would then put back the cookie as it was before the form's answer,
and what that answer added to it would be lost: a flash message ("Ended a session of sam.",
"Your session has ended: ... What you just did was not done"), or a logout's mark.
"""

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from .gate import OPEN_ENDPOINTS


class SessionCookie(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint in OPEN_ENDPOINTS:
            return False
        return super().should_set_cookie(app, session)
